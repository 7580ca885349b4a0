"""The KPI strip's figures equal a brute-force recomputation from the whole store (every event
and every reservation, plain SQL), after priming and after each incremental refresh while a
seeded simulation moves on; on SQLite and PostgreSQL, for every period."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from sqlalchemy import text

from charge_tui.domain.kpis import COUNTED, PERIODS, KpiTracker, next_period
from charge_tui.engine.simulator import SimConfig, Simulator
from charge_tui.store import kpis

START = 1_795_000_000 // 86400 * 86400 + 6 * 3600
FAILED = {"no_available_connectors": "failed_no_slot", "payment_failed": "failed_payment"}


def brute_force(conn, period: str, now: int) -> dict:
    """Every figure of every interval, from all events and all reservations."""
    length, iv = PERIODS[period]
    end = (now // iv + 1) * iv
    starts = list(range(end - length, end, iv))
    counts = {b: Counter() for b in starts}
    fees = {b: Counter() for b in starts}
    reservations = {
        rid: (status, reason, currency, s, e)
        for rid, status, reason, currency, s, e in conn.execute(
            text(
                "SELECT id, status, failure_reason, currency, scheduled_start_time, "
                "scheduled_end_time FROM reservations"
            )
        )
    }
    for rid, typ, created, data_json in conn.execute(
        text("SELECT reservation_id, type, created, data_json FROM reservation_events")
    ):
        if not starts[0] <= created < end:
            continue
        b = starts[(created - starts[0]) // iv]
        data = json.loads(data_json)
        status, reason, currency, _s, _e = reservations[rid]
        figure = {
            "reservation.confirmed": "confirmed",
            "reservation.cancelled": "cancelled",
        }.get(typ)
        if typ == "reservation.failed":
            figure = FAILED.get(reason, "failed_other")
        if typ == "reservation.expired" and data.get("no_show"):
            figure = "no_shows"
        if figure:
            counts[b][figure] += 1
        if data.get("fee_charged"):
            fees[b][currency] += data["fee_charged"]
    held = dict.fromkeys(starts, 0)
    for status, _r, _c, s, e in reservations.values():
        if status in ("confirmed", "completed"):
            for b in starts:
                held[b] += max(0, min(e, b + iv) - max(s, b))
    evses = conn.execute(text("SELECT count(*) FROM evses")).scalar()
    return {
        "counts": {f: [counts[b][f] for b in starts] for f in COUNTED},
        "fees": [dict(fees[b]) for b in starts],
        "held": [held[b] for b in starts],
        "evses": evses,
    }


def tracked(tracker: KpiTracker) -> dict:
    starts = list(tracker.starts())
    return {
        "counts": {f: tracker.counted(f) for f in COUNTED},
        "fees": [{k: v for k, v in tracker.fees.get(b, Counter()).items() if v} for b in starts],
        "held": tracker.held_seconds(),
        "evses": tracker.evses,
    }


@pytest.mark.parametrize("period", list(PERIODS))
def test_strip_equals_brute_force_as_the_simulation_moves_on(db, period):
    sim = Simulator.for_database(
        db,
        SimConfig(seed=11, stations=10, hours=30, rate=120, start=START, fault_rate=2.0),
    )
    sim.step(START + 20 * 3600)
    tracker = KpiTracker(period)
    busy = False
    for step in range(6):
        now = sim.clock.now()
        with db.read() as conn:
            kpis.refresh(conn, tracker, now)
            want = brute_force(conn, period, now)
        assert tracked(tracker) == want, f"step {step} at {now}"
        busy = busy or any(sum(v) for v in want["counts"].values())
        # Less than an interval, then more than one: both ways of moving on.
        sim.step(now + (PERIODS[period][1] // 2 if step % 2 else PERIODS[period][1] * 2 + 7))
    assert busy, "the simulation produced nothing to count"
    snap = tracker.snapshot()
    assert snap.totals["confirmed"] == sum(want["counts"]["confirmed"])
    assert 0 <= (snap.totals["utilisation"] or 0) <= 1


def test_switching_period_primes_afresh(db):
    sim = Simulator.for_database(db, SimConfig(seed=3, stations=8, hours=12, rate=100, start=START))
    sim.step(START + 10 * 3600)
    now = sim.clock.now()
    tracker = KpiTracker("hour")
    with db.read() as conn:
        kpis.refresh(conn, tracker, now)
        tracker = KpiTracker(next_period(tracker.period))
        kpis.refresh(conn, tracker, now)
        assert tracked(tracker) == brute_force(conn, "shift", now)


def test_a_clock_jump_past_the_whole_period_primes_again(db):
    sim = Simulator.for_database(db, SimConfig(seed=4, stations=6, hours=40, rate=60, start=START))
    sim.step(START + 3 * 3600)
    tracker = KpiTracker("hour")
    with db.read() as conn:
        kpis.refresh(conn, tracker, sim.clock.now())
    sim.step(START + 30 * 3600)
    now = sim.clock.now()
    with db.read() as conn:
        kpis.refresh(conn, tracker, now)
        assert tracked(tracker) == brute_force(conn, "hour", now)
