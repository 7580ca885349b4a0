"""Team mode (SPEC §9): several engine processes and dispatchers on one store at once.

On PostgreSQL: 4 engine processes and 2 writers for a bounded time; on SQLite: 2 engines and a
writer. Afterwards: no overlapping held slots, nothing confirmed twice, nothing lost or left behind,
every invariant held. And an engine killed with SIGKILL mid-run leaves a consistent store that a
restarted engine finishes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import text

from charge_tui.domain.clock import FrozenClock
from charge_tui.domain.enums import Status
from charge_tui.engine.network import generate_network
from charge_tui.service import ReservationService
from charge_tui.store.audit import check_invariants
from charge_tui.store.db import Database
from tests.factories import CENTER, NOW
from tests.invariants import violations

ROOT = Path(__file__).resolve().parents[2]


def env_for() -> dict[str, str]:
    return {**os.environ, "CHARGE_TUI_NOW": str(NOW), "PYTHONPATH": str(ROOT)}


def seed_network(db: Database) -> ReservationService:
    svc = ReservationService(db, clock=FrozenClock(NOW))
    svc.add_stations(generate_network(6, seed=4, center=CENTER, radius_km=2))
    return svc


def start_engine(url: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "charge_tui", "--db", url, "engine", "--interval", "0.05", *extra],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env_for(),
        cwd=ROOT,
    )


def confirmed_twice(db: Database) -> list[str]:
    with db.read() as conn:
        rows = conn.execute(
            text(
                "SELECT reservation_id FROM reservation_events WHERE type = 'reservation.confirmed'"
            )
        ).all()
    return [rid for rid, n in Counter(r[0] for r in rows).items() if n > 1]


def left_behind(db: Database) -> int:
    with db.read() as conn:
        return conn.execute(
            text(
                "SELECT count(*) FROM reservations WHERE status IN ('pending', 'confirmed') "
                "AND next_check_at <= :now"
            ),
            {"now": NOW},
        ).scalar()


def drain(url: str) -> None:
    """Run the engine once more, by itself, until nothing is due."""
    for _ in range(20):
        out = subprocess.run(
            [sys.executable, "-m", "charge_tui", "--db", url, "engine", "--once"],
            capture_output=True,
            text=True,
            env=env_for(),
            cwd=ROOT,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        if not json.loads(out.stdout)["more"]:
            return


@pytest.mark.parametrize("seconds", [6.0])
def test_engines_and_writers_hammering_one_store(db_url, seconds):
    db = Database(db_url)
    seed_network(db)
    postgres = db.dialect == "postgresql"
    n_engines, n_writers = (4, 2) if postgres else (2, 1)
    engines = [start_engine(db_url) for _ in range(n_engines)]
    writers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.team.writer", db_url, str(seconds), str(i)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env_for(),
            cwd=ROOT,
        )
        for i in range(n_writers)
    ]
    created: list[str] = []
    outcomes: Counter = Counter()
    for w in writers:
        out, err = w.communicate(timeout=seconds + 120)
        assert w.returncode == 0, err
        report = json.loads(out)
        created += report["created"]
        outcomes.update(report["outcomes"])
    for e in engines:
        e.send_signal(signal.SIGTERM)
    for e in engines:
        _, err = e.communicate(timeout=60)
        assert e.returncode == 0, err
        assert "Traceback" not in err
    drain(db_url)

    assert len(created) > 50, "the writers must have produced real load"
    with db.read() as conn:
        stored = {r[0] for r in conn.execute(text("SELECT id FROM reservations"))}
        confirmed = conn.execute(
            text("SELECT count(*) FROM reservations WHERE status IN ('confirmed','completed')")
        ).scalar()
    assert set(created) <= stored, "a created reservation was lost"
    assert confirmed > 0
    assert confirmed_twice(db) == []
    assert left_behind(db) == 0
    assert check_invariants(db) == []
    assert violations(db) == []
    db.dispose()


def test_kill_9_mid_run_then_restart(db_url):
    db = Database(db_url)
    svc = seed_network(db)
    with svc.transaction() as uow:
        for i in range(1500):
            start = NOW + (5 + i % 30) * 60
            uow.create(
                {
                    "connector_types": ["ccs1", "j1772", "nacs"][i % 3 : i % 3 + 1],
                    "driver": "drv_k",
                    "vehicle": "veh_k",
                    "preferred_start_time": start,
                    "preferred_end_time": start + 1800,
                    "latest_end_time": start + 1800 + 7200,
                    "service_area": {
                        "latitude": CENTER[0],
                        "longitude": CENTER[1],
                        "radius_meters": 3000,
                    },
                    "payment_method": "pm_card_visa",
                }
            )
    engine = start_engine(db_url, "--limit", "25")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until it has committed some ticks, not all
        if svc.counts()[Status.PENDING] < 1400:
            break
        time.sleep(0.05)
    engine.kill()  # SIGKILL: no clean-up of any kind
    engine.wait(timeout=30)
    assert engine.returncode == -signal.SIGKILL
    mid = svc.counts()
    assert mid[Status.PENDING] > 0, "the engine finished before it could be killed"
    assert check_invariants(db) == []
    assert violations(db) == []

    drain(db_url)  # a restarted engine picks up where it stopped
    assert left_behind(db) == 0
    assert confirmed_twice(db) == []
    assert check_invariants(db) == []
    after = svc.counts()
    assert after[Status.PENDING] < mid[Status.PENDING]
    db.dispose()
