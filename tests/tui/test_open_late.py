"""``charge-tui`` on a SQLite store paints its first list from a plain ``sqlite3`` read and opens
the store (SQLAlchemy, the service) right after: the list is the store's, the store layer is not
imported before the first list is shown, and everything works once it is open."""

from __future__ import annotations

import json
import subprocess
import sys

from charge_tui.domain.clock import FrozenClock
from charge_tui.domain.enums import Action, Status
from charge_tui.domain.errors import StoreUnavailable
from charge_tui.service import ReservationService
from charge_tui.store.db import Database
from charge_tui.store.firstread import FirstReadUnavailable, open_first_read
from charge_tui.store.listquery import ListQuery
from charge_tui.tui.app import ChargeApp
from charge_tui.tui.data import ConsoleData
from charge_tui.tui.screens.error import ErrorScreen
from charge_tui.tui.screens.list import ListScreen
from charge_tui.tui.widgets.counts_bar import CountChip
from tests.sample_store import SAMPLE_NOW
from tests.tui.conftest import SIZE, settle
from tests.tui.helpers import cancel_from_the_list, cell, rows


def late_data(db_path, opener=None):
    """What ``charge-tui`` builds on a SQLite file: a first read and an opener (the stores it
    opened are kept in the list returned, to be disposed of)."""
    first = open_first_read(f"sqlite:///{db_path}")
    assert first is not None
    opened: list[Database] = []

    def open_store() -> ReservationService:
        db = Database(f"sqlite:///{db_path}")
        opened.append(db)
        return ReservationService(db, clock=FrozenClock(SAMPLE_NOW))

    data = ConsoleData(opener=opener or open_store, first_read=first, clock=FrozenClock(SAMPLE_NOW))
    return data, first, opened


def late_app(db_path, opener=None) -> tuple[ChargeApp, list[Database]]:
    """The console as ``charge-tui`` builds it on a SQLite file."""
    data, _first, opened = late_data(db_path, opener)
    return ChargeApp(data, poll_interval=3600.0), opened


async def test_the_first_list_is_the_stores_and_the_store_opens_after(sample, db_path):
    app, opened = late_app(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert rows(app) == [r.id for r in sample.list(limit=100).data]
        counts = sample.counts()
        for chip in app.screen.query(CountChip):
            want = sum(counts.values()) if chip.status is None else counts[chip.status]
            assert chip.count == want
        assert app.data.is_open and len(opened) == 1
    for db in opened:
        db.dispose()


async def test_writes_go_through_the_service_once_open(sample, db_path):
    app, opened = late_app(db_path)
    target = next(
        r for r in sample.list(limit=100).data if Action.CANCEL in sample.allowed_actions(r)
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await cancel_from_the_list(pilot, target.id)
        assert cell(app, target.id, "status") == "cancelled"
    assert sample.retrieve(target.id).status is Status.CANCELLED
    for db in opened:
        db.dispose()


async def test_a_store_that_fails_to_open_shows_the_error_over_the_first_list(sample, db_path):
    def broken() -> ReservationService:
        raise StoreUnavailable("database is locked by another process; try again in a moment")

    app, _ = late_app(db_path, opener=broken)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for _ in range(20):
            if isinstance(app.screen, ErrorScreen) and app.screen.query("#error-message"):
                break
            await pilot.pause(0.05)
        assert isinstance(app.screen, ErrorScreen)
        assert "locked" in str(app.screen.query_one("#error-message").render())
        assert not app.data.is_open
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        # The first screenful (the pages beyond it need the store).
        shown = rows(app)
        assert len(shown) >= SIZE[1] - 10
        assert shown == [r.id for r in sample.list(limit=100).data][: len(shown)]


SCRIPT = r"""
import asyncio, json, sys
from charge_tui.cli.main import build_parser
from charge_tui.cli.console import console_app
from charge_tui.tui.app import ChargeApp

build_parser().parse_args(["--db", sys.argv[1]])
seen = {}
real = ChargeApp._open_store_soon

def record(self):
    if "shown" not in seen:
        table = self.screen.query_one("#reservations")
        seen["shown"] = [str(k.value) for k in table.rows]
        seen["store_layer_imported"] = sorted(
            m for m in ("sqlalchemy", "sqlmodel", "pydantic") if m in sys.modules
        )
        later = ("charge_tui.domain.kpis", "charge_tui.domain.atrisk", "charge_tui.store.kpis",
                 "charge_tui.store.atrisk", "charge_tui.tui.widgets.kpi_strip",
                 "charge_tui.tui.screens.atrisk", "charge_tui.tui.screens.export",
                 "textual.widgets._sparkline", "textual_serve", "tomllib")
        seen["features_imported"] = sorted(m for m in later if m in sys.modules)
    real(self)

ChargeApp._open_store_soon = record

async def main():
    app, close = console_app("sqlite:///" + sys.argv[1])
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(200):
            await pilot.pause(0.02)
            if app.data.is_open:
                break
        seen["open"] = app.data.is_open
    close()
    print(json.dumps(seen))

asyncio.run(main())
"""


def test_charge_tui_shows_the_list_before_importing_the_store_layer(sample, db_path):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(db_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    store_order = [r.id for r in sample.list(limit=100).data]
    assert len(seen["shown"]) >= 30  # a screenful, from the store, in its order
    assert seen["shown"] == store_order[: len(seen["shown"])]
    assert seen["store_layer_imported"] == []
    # The operations layer (KPI strip, at risk, export) comes after the first paint.
    assert seen["features_imported"] == []
    assert seen["open"] is True


def test_a_failing_first_read_falls_back_to_the_store(sample, db_path, monkeypatch):
    data, first, opened = late_data(db_path)

    def failing(sql, params=()):
        raise FirstReadUnavailable("disk I/O error")

    monkeypatch.setattr(first, "_all", failing)
    data.release()
    data.prefetch_opening(ListQuery())  # nothing to show early: no crash before the app starts
    assert data.take_opening(ListQuery()) is None
    w = data.first(ListQuery(), 10)
    assert [r.id for r in w.rows] == [r.id for r in sample.list(limit=10).data]
    assert data.counts() == sample.counts()
    assert data.is_open
    for db in opened:
        db.dispose()


async def test_the_collector_pauses_less_while_the_console_runs(sample):
    """Fewer, cheaper collections while the app runs (see ChargeApp._fewer_gc_pauses); the
    process's own settings come back when it ends."""
    import gc

    from charge_tui.tui.app import GC_YOUNG_THRESHOLD

    before = gc.get_threshold()
    app = ChargeApp(sample, poll_interval=3600.0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
