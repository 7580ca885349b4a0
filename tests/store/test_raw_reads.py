"""The raw SQLite reads of ``queries`` (through the ``sqlite3`` cursor) decode rows exactly as the
SQLAlchemy path and ``mapping`` do, and find the same held slots (both back ends)."""

from __future__ import annotations

import random

from charge_tui.domain.clock import SimulatedClock
from charge_tui.domain.codec import RESERVATION
from charge_tui.domain.enums import ConnectorType as C
from charge_tui.domain.enums import FailureReason, Status
from charge_tui.domain.ids import IdFactory
from charge_tui.service import ReservationService
from charge_tui.store import queries
from tests.engine.conftest import HOUR, T0, params, station


def _service(db):
    svc = ReservationService(db, clock=SimulatedClock(T0), ids=IdFactory(random.Random(4)))
    svc.add_stations([station("sta_r", [("evse_r1", (C.CCS1,)), ("evse_r2", (C.CCS1, C.NACS))])])
    return svc


def test_get_many_decodes_every_column_as_the_mapping_does(db):
    svc = _service(db)
    p = params(T0 + HOUR, 90, types=("ccs1", "nacs"), before=600, after=1200)
    p["metadata"] = {"fleet": "blue", "note": "x"}
    confirmed = svc.confirm(svc.create(p).id, evse_id="evse_r2")
    failed = svc.fail(svc.create(params(T0 + 2 * HOUR)).id, FailureReason.PAYMENT_FAILED)
    pending = svc.create(params(T0 + 3 * HOUR, driver="drv_other"))
    assert confirmed.status is Status.CONFIRMED and failed.failure_reason is not None
    ids = [confirmed.id, failed.id, pending.id]
    with db.read() as conn:
        many = queries.get_many(conn, ids)
        one_by_one = {i: queries.get_reservation(conn, i) for i in ids}
        raw_columns = [c.name for c in queries.R.columns]
    assert many == one_by_one
    assert many[confirmed.id].metadata == {"fleet": "blue", "note": "x"}
    assert tuple(raw_columns) == RESERVATION.names  # the order RESERVATION.from_values reads


def test_busy_intervals_find_held_slots_overlapping_the_window_only(db):
    svc = _service(db)
    a = svc.confirm(svc.create(params(T0 + HOUR, 60)).id, evse_id="evse_r1")
    b = svc.confirm(svc.create(params(T0 + 3 * HOUR, 60, driver="drv_b")).id, evse_id="evse_r1")
    c = svc.confirm(svc.create(params(T0 + HOUR, 60, driver="drv_c")).id, evse_id="evse_r2")
    svc.cancel(c.id)  # no longer holds its slot
    # Ends before the window: not returned either.
    svc.confirm(svc.create(params(T0 + 600, 30, driver="drv_d")).id, evse_id="evse_r2")
    with db.read() as conn:
        got = queries.busy_intervals_with_ids(
            conn, ["evse_r1", "evse_r2"], T0 + HOUR + 1800, T0 + 3 * HOUR
        )
    assert got == {
        "evse_r1": [(a.scheduled_start_time, a.scheduled_end_time, a.id)],
        "evse_r2": [],
    }
    assert b.scheduled_start_time == T0 + 3 * HOUR  # starts at hi: outside [lo, hi)
