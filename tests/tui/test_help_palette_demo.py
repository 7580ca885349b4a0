"""Help screen, command palette, footer keys, the demo mode, and the layering rule."""

from __future__ import annotations

import subprocess
import sys

from charge_tui.engine.simulator import SimConfig, Simulator
from charge_tui.service import ReservationService
from charge_tui.store.db import Database
from charge_tui.tui.app import ChargeApp
from charge_tui.tui.commands import ScreenCommands
from charge_tui.tui.demo import DemoDriver
from charge_tui.tui.screens.help import HelpScreen
from charge_tui.tui.screens.inspect import InspectScreen
from charge_tui.tui.screens.list import ListScreen
from tests.sample_store import SAMPLE_NOW
from tests.tui.conftest import SIZE, make_app, settle
from tests.tui.helpers import plain, rows


async def test_help_lists_the_keys_and_closes(sample):
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(plain(s) for s in app.screen.query(".help-section"))
        for words in ("New", "Inspect", "Search", "Only pending", "Confirm/assign", "Quit"):
            assert words in text
        assert "Faster" not in text  # demo keys only in the demo
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)


async def test_footer_shows_every_visible_binding_with_an_id(sample):
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for active in app.screen.active_bindings.values():
            b = active.binding
            if b.show and b.action != "command_palette":
                assert b.id and b.description, b


async def test_palette_offers_the_screen_actions(sample):
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        provider = ScreenCommands(app.screen)
        titles = {c[0] for c in provider._commands()}
        assert {"New", "Inspect", "Search", "Sort", "Only failed", "Help", "Quit"} <= titles
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, InspectScreen)
        r = app.screen.detail.reservation
        titles = {c[0] for c in ScreenCommands(app.screen)._commands()}
        allowed = sample.allowed_actions(r)
        assert ("Cancel" in titles) == any(a.value == "cancel" for a in allowed)
        assert "Complete" not in titles or any(a.value == "complete" for a in allowed)


async def test_palette_runs_a_command(sample):
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"only failed")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        assert app.screen.list.query_state.status.value == "failed"


async def test_demo_fills_the_store_and_obeys_the_keys(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'demo.db'}")
    sim = Simulator.for_database(db, SimConfig(seed=1, stations=12, start=SAMPLE_NOW, hours=48))
    demo = DemoDriver(sim, speed=60, warmup=2 * 3600)
    app = ChargeApp(ReservationService(db, clock=sim.clock), demo=demo, poll_interval=0.05)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(600):  # bounded: up to 30 s on a loaded machine
            await pilot.pause(0.05)
            if not demo.warming and rows(app):
                break
        assert not demo.warming
        assert sim.clock.now() >= SAMPLE_NOW + 2 * 3600
        # (The demo worker runs until the app exits: wait on the list, not on all workers.)
        assert rows(app)
        assert "sim time" in app.sub_title and "60×" in app.sub_title
        await pilot.press("plus")
        assert demo.speed == 120
        await pilot.press("minus", "minus")
        assert demo.speed == 30
        await pilot.press("p")
        assert demo.paused and "paused" in app.sub_title
        # The console's "now" is the simulator's.
        assert app.data.now() == sim.clock.now()
        await pilot.press("q")
    db.dispose()


def test_domain_store_engine_service_never_import_textual():
    code = (
        "import sys\n"
        "import charge_tui.domain.machine, charge_tui.store.listing, charge_tui.store.queries\n"
        "import charge_tui.service, charge_tui.engine.simulator\n"
        "bad = [m for m in sys.modules if m == 'textual' or m.startswith(('textual.', "
        "'charge_tui.tui'))]\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
