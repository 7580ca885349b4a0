"""The invariant audit finds each kind of violation (made on purpose with raw SQL) and nothing on a
consistent store."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from charge_tui.domain.enums import ConnectorType as C
from charge_tui.engine.confirmation import ConfirmationEngine
from charge_tui.store.audit import check_invariants
from tests.engine.conftest import T0, params, station


@pytest.fixture
def store(service):
    """Two confirmed reservations on two EVSEs, one pending, one failed: consistent."""
    service.add_stations(
        [
            station("sta_a", [("evse_a", (C.CCS1,))]),
            station("sta_b", [("evse_b", (C.CCS1,))], dlat=0.003),
            station("sta_far", [("evse_far", (C.CCS1,))], dlat=0.5),
        ]
    )
    confirmed = [service.create(params(T0 + 20 * 60, 60, driver=f"drv_{i}")) for i in range(2)]
    failed = service.create(params(T0 + 10 * 60, 10, pm="pm_card_declined", driver="drv_f"))
    pending = service.create(params(T0 + 5 * 3600, 60, driver="drv_p"))
    result = ConfirmationEngine(service).tick()
    assert (result.confirmed, result.failed_payment) == (2, 1)
    ids = {
        "c1": confirmed[0].id,
        "c2": confirmed[1].id,
        "failed": failed.id,
        "pending": pending.id,
    }
    assert check_invariants(service.db) == []
    return service, ids


def sql(service, statement: str, **params) -> None:
    with service.db.write() as conn:
        conn.execute(text(statement), params)


def only(violations: list[str], invariant: int) -> None:
    assert violations, "the audit found nothing"
    assert all(v.startswith(f"invariant {invariant}:") for v in violations), violations


def test_consistent_store_passes(store):
    service, _ids = store
    with service.db.read() as conn:
        assert check_invariants(conn) == []


def test_overlapping_held_slots_on_one_evse(store):
    service, ids = store
    if service.db.dialect == "postgresql":
        # PostgreSQL's exclusion constraint refuses to store the overlap in the first place.
        from sqlalchemy.exc import IntegrityError

        with pytest.raises(IntegrityError, match="no_double_booking"):
            sql(
                service,
                "UPDATE reservations SET evse = 'evse_a', charging_station = 'sta_a', "
                "status = 'completed' WHERE id IN (:a, :b)",
                a=ids["c1"],
                b=ids["c2"],
            )
        return
    sql(
        service,
        "UPDATE reservations SET evse = 'evse_a', charging_station = 'sta_a', "
        "status = 'completed' WHERE id IN (:a, :b)",
        a=ids["c1"],
        b=ids["c2"],
    )
    # (the last event no longer agrees either: look at invariant 1 only)
    v = [x for x in check_invariants(service.db) if x.startswith("invariant 1")]
    assert len(v) == 1 and "evse_a" in v[0]


def test_held_reservation_without_assignment(store):
    service, ids = store
    sql(service, "UPDATE reservations SET evse = NULL WHERE id = :i", i=ids["c1"])
    only(check_invariants(service.db), 2)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (
            "scheduled_start_time = scheduled_start_time - 7200, "
            "scheduled_end_time = scheduled_end_time - 7200",
            "outside its acceptable window",
        ),
        ("scheduled_end_time = scheduled_end_time + 600", "slot lasts"),
        ("connector_types = 'nacs'", "no acceptable connector"),
        ("charging_station = 'sta_far', evse = 'evse_far'", "from the area centre"),
        ("charging_station = 'sta_far'", "is not on station"),
        ("evse = 'evse_gone'", "does not exist"),
    ],
)
def test_held_reservation_with_a_bad_assignment(store, change, needle):
    service, ids = store
    sql(service, f"UPDATE reservations SET {change} WHERE id = :i", i=ids["c1"])
    v = check_invariants(service.db)
    only(v, 2)
    assert any(needle in x for x in v), v


def test_failure_reason_exactly_when_failed(store):
    service, ids = store
    sql(service, "UPDATE reservations SET failure_reason = NULL WHERE id = :i", i=ids["failed"])
    sql(
        service,
        "UPDATE reservations SET failure_reason = 'other' WHERE id = :i",
        i=ids["pending"],
    )
    v = check_invariants(service.db)
    only(v, 3)
    assert len(v) == 2


def test_last_event_agrees_with_status(store):
    service, ids = store
    sql(service, "UPDATE reservations SET status = 'cancelled' WHERE id = :i", i=ids["pending"])
    v = check_invariants(service.db)
    only(v, 4)
    assert "last event says pending" in v[0]


def test_reservation_without_events_and_event_without_reservation(store):
    service, ids = store
    with service.db.write() as conn:
        row = dict(
            conn.execute(text("SELECT * FROM reservations WHERE id = :i"), {"i": ids["pending"]})
            .mappings()
            .one()
        )
        row["id"] = "rsv_" + "X" * 24
        cols = ", ".join(row)
        conn.execute(
            text(f"INSERT INTO reservations ({cols}) VALUES ({', '.join(':' + c for c in row)})"),
            row,
        )
        conn.execute(
            text(
                "INSERT INTO reservation_events (id, reservation_id, type, created, actor, "
                "status, previous_json, data_json) VALUES ('evt_orphan', 'rsv_nobody', "
                "'reservation.created', 0, 'x', 'pending', '{}', '{}')"
            )
        )
    v = check_invariants(service.db)
    only(v, 4)
    assert any("has no events" in x for x in v) and any("evt_orphan" in x for x in v)
