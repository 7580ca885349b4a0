"""The console on PostgreSQL: a change made by another dispatcher and by an engine process shows
up live in the open list, the cursor kept on the same reservation."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time

import pytest

from charge_tui.domain.clock import FrozenClock
from charge_tui.domain.enums import Action
from charge_tui.domain.ids import IdFactory
from charge_tui.service import ReservationService
from charge_tui.store.db import Database
from tests.sample_store import SAMPLE_NOW, build_sample_store
from tests.tui.conftest import SIZE, make_app, settle
from tests.tui.test_list import cell, highlighted, rows


@pytest.fixture
def pg_sample(db_url, monkeypatch):
    if not db_url.startswith("postgresql"):
        pytest.skip("the SQLite case is tests/tui/test_list.py")
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    db = Database(db_url)
    yield build_sample_store(db), db_url
    db.dispose()
    monkeypatch.undo()
    time.tzset()


async def wait_for(pilot, predicate, tries: int = 60) -> None:
    for _ in range(tries):
        if predicate():
            return
        await pilot.pause(0.05)
        await settle(pilot, rounds=1)


async def test_live_updates_from_other_dispatchers_and_engines(pg_sample):
    svc, url = pg_sample
    app = make_app(svc, poll=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")
        await settle(pilot)
        kept = highlighted(app)
        other = ReservationService(
            Database(url), clock=FrozenClock(SAMPLE_NOW), ids=IdFactory(random.Random(5))
        )
        target = next(
            r.id
            for r in other.list(status="pending", limit=100).data
            if r.id != kept and Action.CANCEL in other.allowed_actions(r)
        )
        new = other.create(
            {
                "connector_types": ["ccs1"],
                "driver": "drv_pg",
                "vehicle": "veh_pg",
                "preferred_start_time": SAMPLE_NOW + 1200,  # due now (lead 30 min)
                "preferred_end_time": SAMPLE_NOW + 3000,
                "service_area": {"latitude": 37.77, "longitude": -122.42, "radius_meters": 5000},
                "payment_method": "pm_card_visa",
            }
        )
        other.cancel(target)
        other.db.dispose()
        await wait_for(pilot, lambda: new.id in rows(app))
        assert rows(app)[0] == new.id
        assert cell(app, target, "status") == "cancelled"
        assert highlighted(app) == kept

        # An engine process confirms what is due (the new reservation among them).
        env = {**os.environ, "CHARGE_TUI_NOW": str(SAMPLE_NOW)}
        out = subprocess.run(
            [sys.executable, "-m", "charge_tui", "--db", url, "engine", "--once"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        await wait_for(pilot, lambda: cell(app, new.id, "status") != "pending")
        assert cell(app, new.id, "status") == "confirmed"
        assert highlighted(app) == kept
