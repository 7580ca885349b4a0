"""Regenerate ``screenshots/*.svg`` from the real console.

Each screen is run headless (``App.run_test``) on the sample store (``tests.sample_store``:
a seeded station network and reservations moved through their transitions on a frozen clock), with
local time UTC, so the pictures are the same on every machine and never drift from the code. The
demo picture runs the real simulator inside the console for three simulated hours, then pauses it.
The browser picture is the browser test's (``tests/web``: ``charge-tui serve`` in headless
Chromium).

    python scripts/screenshots.py [--out screenshots]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

# The sample store is test data (tests/sample_store.py), not part of the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from collections.abc import Awaitable, Callable
from pathlib import Path

SIZE = (120, 36)


def _utc() -> None:
    os.environ["TZ"] = "UTC"
    time.tzset()


async def _settle(pilot, rounds: int = 4) -> None:
    """Let messages flow and the store workers finish (the demo's worker runs until exit)."""
    from textual.worker import WorkerCancelled

    for _ in range(rounds):
        await pilot.pause()
        busy = [w for w in pilot.app.workers if w.group != "demo" and w.is_running]
        if busy:
            try:
                await pilot.app.workers.wait_for_complete(busy)
            except WorkerCancelled:  # replaced by a newer one of its group: wait again
                continue
    await pilot.pause()


def _no_blinking(app) -> None:
    from textual.widgets import Input, TextArea

    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    for widget in app.screen.query(TextArea):
        widget.cursor_blink = False


async def _shoot(app, path: Path, steps: Callable[[object], Awaitable[None]]) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await _settle(pilot)
        await steps(pilot)
        await _settle(pilot)
        _no_blinking(app)
        app.save_screenshot(filename=path.name, path=str(path.parent))
        await pilot.press("q")
    print(f"wrote {path}")


async def main(out: Path) -> None:
    _utc()
    from random import Random

    from charge_tui.domain.clock import FrozenClock
    from charge_tui.domain.enums import Status
    from charge_tui.domain.ids import IdFactory
    from charge_tui.engine.simulator import SimConfig, Simulator
    from charge_tui.service import ReservationService
    from charge_tui.store.db import Database
    from charge_tui.tui.app import ChargeApp
    from charge_tui.tui.demo import DemoDriver
    from tests.sample_store import SAMPLE_NOW, build_sample_store

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'sample.db'}")
        build_sample_store(db)
        label = "store: ~/.local/share/charge-tui/charge.db"

        def app() -> ChargeApp:
            svc = ReservationService(db, clock=FrozenClock(SAMPLE_NOW))
            return ChargeApp(svc, poll_interval=3600, store_label=label)

        # Seeded ids: the picker's picture creates a reservation, the same one every time.
        svc = ReservationService(db, clock=FrozenClock(SAMPLE_NOW), ids=IdFactory(Random(11)))
        everything = svc.list(limit=100).data
        completed = next(r for r in everything if r.status is Status.COMPLETED)
        confirmed = next(r for r in everything if r.status is Status.CONFIRMED)

        async def list_steps(pilot):
            await pilot.press("down", "down")

        async def filtered_steps(pilot):
            await pilot.press("2", "slash", *"drv_", "enter")

        async def create_steps(pilot):
            from textual.widgets import Input, SelectionList, TextArea

            await pilot.press("n")
            await _settle(pilot)
            screen = pilot.app.screen
            for name, value in {
                "driver": "alice",
                "vehicle": "veh_leaf",
                "preferred_start": "2026-11-19 18:00",
                "preferred_end": "+90 minutes",
                "latitude": "37.7749",
                "longitude": "west",
            }.items():
                screen.query_one(f"#{name}", Input).value = value
            screen.query_one("#connector_types", SelectionList).select("ccs1")
            screen.query_one("#metadata", TextArea).text = "fleet=acme\nno equals sign"
            await _settle(pilot)
            await pilot.press("ctrl+s")

        async def inspect_steps(pilot):
            pilot.app.screen._inspect(completed.id)

        async def inspect_actions_steps(pilot):
            pilot.app.screen._inspect(confirmed.id)
            await _settle(pilot)
            await pilot.press("j")

        async def help_steps(pilot):
            await pilot.press("question_mark")

        from tests.tui.helpers import board_on_busiest_block

        async def board_steps(pilot, fault: bool = False):
            await board_on_busiest_block(pilot, _settle)
            if fault:
                await pilot.press("F")

        async def fault_steps(pilot):
            await board_steps(pilot, fault=True)

        async def picker_steps(pilot):
            # A reservation two hours ahead, confirmed, so that it can be moved (made last: the
            # other pictures show the sample as it is).
            hub = max(svc.stations(), key=lambda s: len(s.evses))
            start = SAMPLE_NOW + 2 * 3600
            movable = svc.create(
                {
                    "connector_types": ["ccs1", "nacs"],
                    "driver": "drv_hana",
                    "vehicle": "veh_ioniq5",
                    "preferred_start_time": start,
                    "preferred_end_time": start + 2700,
                    "latest_end_time": start + 2700 + 3600,
                    "service_area": {
                        "latitude": hub.latitude,
                        "longitude": hub.longitude,
                        "radius_meters": 8000,
                    },
                    "payment_method": "pm_card_visa",
                }
            )
            svc.confirm(movable.id)
            pilot.app.screen._inspect(movable.id)
            await _settle(pilot)
            await pilot.press("r")

        await _shoot(app(), out / "list.svg", list_steps)
        await _shoot(app(), out / "list-filtered.svg", filtered_steps)
        await _shoot(app(), out / "create-errors.svg", create_steps)
        await _shoot(app(), out / "inspect.svg", inspect_steps)
        await _shoot(app(), out / "inspect-json.svg", inspect_actions_steps)
        await _shoot(app(), out / "help.svg", help_steps)
        await _shoot(app(), out / "board.svg", board_steps)
        await _shoot(app(), out / "fault-preview.svg", fault_steps)

        async def at_risk_steps(pilot):
            await pilot.press("r")

        def light_app() -> ChargeApp:
            a = app()
            a.theme = "textual-light"
            return a

        await _shoot(app(), out / "at-risk.svg", at_risk_steps)
        await _shoot(light_app(), out / "list-light.svg", list_steps)
        await _shoot(app(), out / "reassign-picker.svg", picker_steps)
        db.dispose()

        # The demo: the simulator inside the console, three simulated hours in, then paused.
        demo_db = Database(f"sqlite:///{Path(tmp) / 'demo.db'}")
        warmup = 3 * 3600
        sim = Simulator.for_database(
            demo_db, SimConfig(seed=1, start=SAMPLE_NOW - warmup, hours=24 * 7)
        )
        demo = DemoDriver(sim, speed=120, warmup=warmup, paused=True)
        demo_app = ChargeApp(
            ReservationService(demo_db, clock=sim.clock),
            demo=demo,
            poll_interval=0.1,
        )

        async def demo_steps(pilot):
            while demo.warming:
                await pilot.pause(0.1)
            await pilot.pause(0.5)  # one more store poll after the warm-up
            await _settle(pilot)

        await _shoot(demo_app, out / "demo.svg", demo_steps)
        demo_db.dispose()
    browser_screenshot(out / "browser.png")


def browser_screenshot(path: Path) -> None:
    """The console in headless Chromium: the browser test, keeping its screenshot."""
    import subprocess

    env = {**os.environ, "CHARGE_TUI_KEEP_SCREENSHOT": str(path)}
    root = Path(__file__).resolve().parents[1]
    test = "tests/web/test_browser.py"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", test], cwd=root, env=env)
    if done.returncode == 0 and path.exists():
        print(f"wrote {path}")
    else:
        print(f"could not write {path} (needs Chromium and the test extra)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent.parent / "screenshots")
    asyncio.run(main(parser.parse_args().out))
