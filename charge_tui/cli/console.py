"""``charge-tui`` (the console, also ``charge-tui console``) and ``charge-tui demo``.

The console opens on the store (``--db`` / ``CHARGE_TUI_DB`` / the default SQLite file). The demo
opens it on a fresh store (a new temporary SQLite file, removed on exit, unless ``--db`` names one)
with a station network and the simulator running inside the console.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from charge_tui.cli.args import float_in, int_in, seed_arg
from charge_tui.cli.commands import summary
from charge_tui.cli.helptext import add_command
from charge_tui.domain.clock import ENV_NOW, env_now
from charge_tui.store.location import resolve_url, sqlite_file

if TYPE_CHECKING:
    from charge_tui.config import Config
    from charge_tui.service import ReservationService
    from charge_tui.tui.app import ChargeApp

DEMO_WARMUP_HOURS = 3.0
#: The demo starts at this local (solar) hour of the simulated city, after the warm-up.
DEMO_LOCAL_HOUR = 7.5


def register(subparsers: argparse._SubParsersAction) -> None:
    from charge_tui.engine.simconfig import DEMO_SPEED

    c = add_command(
        subparsers,
        "console",
        summary("console"),
        description="The list of reservations, live: filter, search, inspect and act on them; "
        "the station board (b); every key in the help (?). Running charge-tui with no command "
        "does the same.",
        examples=["charge-tui console", "charge-tui console --db team.db"],
    )
    c.set_defaults(handler=run_console)
    d = add_command(
        subparsers,
        "demo",
        summary("demo"),
        description="Open the console on a fresh store (a temporary SQLite file, removed on exit, "
        "unless --db is given) with a station network and the simulator playing drivers, the "
        "confirmation engine, payments, cancellations and no-shows. Keys: + / - change the "
        "speed, p pauses.",
        examples=["charge-tui demo", "charge-tui demo --seed 7 --speed 600 --rate 120"],
    )
    d.add_argument("--seed", type=seed_arg, default=0, help="simulator seed (default 0)")
    d.add_argument(
        "--speed",
        type=float_in(0, 100_000, above=True),
        default=DEMO_SPEED,
        help=f"simulated seconds per real second, up to 100000 (default {DEMO_SPEED:g})",
    )
    d.add_argument(
        "--stations",
        type=int_in(1, 10_000),
        default=40,
        help="stations in the network, 1-10000 (default 40)",
    )
    d.add_argument(
        "--rate",
        type=float_in(0, 100_000),
        default=60.0,
        help="reservation requests per hour, 0-100000 (default 60)",
    )
    d.add_argument(
        "--warmup",
        type=float_in(0, 48),
        default=DEMO_WARMUP_HOURS,
        metavar="HOURS",
        help=f"simulated hours played at full speed first, 0-48 (default {DEMO_WARMUP_HOURS:g})",
    )
    d.set_defaults(handler=run_demo)


def _store_label(url: str) -> str:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        home = Path.home()
        shown = f"~/{path.relative_to(home)}" if path.is_relative_to(home) else str(path)
        return f"store: {shown}"
    return f"store: {url.split('@')[-1]}"


def _writable(path: Path) -> bool:
    """The file and its directory (SQLite's WAL files live beside it) are writable."""
    return os.access(path, os.R_OK | os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


def read_config() -> Config:
    """The configuration file's settings; each line not taken goes to stderr now (the console
    shows them again as notifications)."""
    import sys

    from charge_tui.config import load_config

    config = load_config()
    for line in config.problems:
        print(f"charge-tui: {line}", file=sys.stderr)
    return config


def console_app(url: str, config: Config | None = None) -> tuple[ChargeApp, Callable[[], None]]:
    """The console on the store at ``url``, and what to call when it has exited.

    On an existing, writable SQLite store at the current schema, the first screen is read with
    ``sqlite3`` (``store/firstread.py``) and the store layer is imported and opened right after
    the first paint, which halves the time to the first list. Anything else (PostgreSQL, a new
    file, an older schema, a store that cannot be written) opens the store first, so that its
    problems are reported before the console starts, as one line and exit code 3."""
    from charge_tui.store.firstread import open_first_read
    from charge_tui.store.listquery import ListQuery
    from charge_tui.tui.app import ChargeApp
    from charge_tui.tui.data import ConsoleData

    label = _store_label(url)
    poll = config.poll_interval if config is not None else 1.0
    path = sqlite_file(url)
    first = open_first_read(url) if path is not None and _writable(path) else None
    if first is None:
        service = _open_service(url)
        app = ChargeApp(service, store_label=label, config=config, poll_interval=poll)
        return app, service.db.dispose

    opened: list[ReservationService] = []

    def opener() -> ReservationService:
        opened.append(_open_service(url))
        return opened[-1]

    def close() -> None:
        first.close()
        for service in opened:
            service.db.dispose()

    data = ConsoleData(opener=opener, first_read=first)
    data.prefetch_opening(ListQuery())
    return ChargeApp(data, store_label=label, config=config, poll_interval=poll), close


def _open_service(url: str) -> ReservationService:
    from charge_tui.service import ReservationService
    from charge_tui.store.db import Database

    return ReservationService(Database(url))


def run_console(args: argparse.Namespace) -> int:
    app, close = console_app(resolve_url(args.db), read_config())
    try:
        app.run()
    finally:
        close()
    return 0


def demo_start(center_lon: float, environ: dict[str, str] | None = None) -> int:
    """``CHARGE_TUI_NOW`` if set; else today at the demo's local hour minus the warm-up."""
    at = env_now(environ)
    if at is not None:
        return at
    offset = round(center_lon / 15) * 3600
    day = int(time.time()) // 86400 * 86400
    return int(day + DEMO_LOCAL_HOUR * 3600 - offset)


def run_demo(args: argparse.Namespace) -> int:
    from charge_tui.engine.network import DEFAULT_CENTER
    from charge_tui.engine.simulator import SimConfig, Simulator
    from charge_tui.service import ReservationService
    from charge_tui.store.db import Database
    from charge_tui.tui.app import ChargeApp
    from charge_tui.tui.demo import DemoDriver

    tmp = None
    if args.db:
        url = resolve_url(args.db)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="charge-tui-demo-")
        url = f"sqlite:///{Path(tmp.name) / 'demo.db'}"
    try:
        db = Database(url)
        try:
            warmup = max(0.0, float(args.warmup))
            start = demo_start(DEFAULT_CENTER[1])
            if not os.environ.get(ENV_NOW, "").strip():
                start -= int(warmup * 3600)
            config = SimConfig(
                seed=args.seed,
                stations=args.stations,
                rate=args.rate,
                hours=24 * 60,
                start=start,
            )
            sim = Simulator.for_database(db, config)
            console_service = ReservationService(db, clock=sim.clock)
            demo = DemoDriver(sim, speed=args.speed, warmup=int(warmup * 3600))
            label = "demo store (temporary)" if tmp else _store_label(url)
            app = ChargeApp(
                console_service,
                demo=demo,
                poll_interval=0.5,
                store_label=label,
                config=read_config(),
            )
            app.run()
        finally:
            db.dispose()
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0
