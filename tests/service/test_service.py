"""The service on a real SQLite store: every transition persists with its event, refusals and bad
input change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from charge_tui.domain.clock import FrozenClock
from charge_tui.domain.enums import ConnectorType, EvseStatus, FailureReason, Status
from charge_tui.domain.errors import ChargeError
from charge_tui.domain.model import Evse, Station
from charge_tui.service import ReservationService
from tests.factories import CENTER, NOW, params
from tests.invariants import event_log, violations


def snapshot(db):
    with db.engine.connect() as conn:
        return {
            t: conn.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all()
            for t in ("reservations", "reservation_events", "idempotency_keys", "evses")
        }


def expect(code, fn, *a, **kw):
    with pytest.raises(ChargeError) as info:
        fn(*a, **kw)
    assert info.value.code == code, info.value
    return info.value


def tiny_network(service):
    """One station 500 m north of the centre with one CCS1 EVSE, and one far away."""
    near = Station(
        "sta_near",
        "Near",
        CENTER[0] + 0.0045,
        CENTER[1],
        "1 Near St",
        evses=(Evse("evse_n1", "sta_near", (ConnectorType.CCS1,), 150.0),),
    )
    far = Station(
        "sta_far",
        "Far",
        CENTER[0] + 0.2,
        CENTER[1],
        "9 Far Rd",
        evses=(Evse("evse_f1", "sta_far", (ConnectorType.CCS1,), 150.0),),
    )
    service.add_stations([near, far])


def test_create_persists_with_created_event(service, db):
    r = service.create(params(metadata={"fleet": "north"}))
    assert service.retrieve(r.id) == r
    evs = service.events(r.id)
    assert [e.type for e in evs] == ["reservation.created"]
    assert evs[0].status is Status.PENDING and evs[0].actor == "dispatcher"
    assert violations(db) == []


def test_invalid_create_writes_nothing(service, db):
    before = snapshot(db)
    for bad in (
        {},
        params(driver="bob"),
        params(service_area={"latitude": float("nan")}),
        [1, 2],
        params(metadata={"k": 1}),
    ):
        with pytest.raises(ChargeError):
            service.create(bad, idempotency_key="key-1")
    assert snapshot(db) == before


def test_a_prepared_reservation_is_the_one_create_makes(service, db):
    """prepare_create (the simulator makes requests outside a transaction) gives what create
    gives, refuses bad input with the same error and writes nothing; add_prepared takes it only
    in a transaction at the instant it was made for."""
    import random

    from charge_tui.domain.ids import IdFactory
    from charge_tui.service.uow import prepare_create

    service.ids = IdFactory(random.Random(8))
    made, event_id = prepare_create(params(), NOW, service.ids, service.config)
    service.ids = IdFactory(random.Random(8))
    created = service.create(params())
    assert made == created and event_id == service.events(created.id)[0].id
    before = snapshot(db)
    with pytest.raises(ChargeError) as err:
        prepare_create(params(driver="bob"), NOW, service.ids, service.config)
    assert err.value.param == "driver"
    assert snapshot(db) == before
    other = prepare_create(params(), NOW - 60, service.ids, service.config)
    with pytest.raises(ValueError), service.transaction() as uow:
        uow.add_prepared(other, actor="driver")
    assert snapshot(db) == before
    fresh = prepare_create(params(), NOW, service.ids, service.config)
    with service.transaction() as uow:
        assert uow.add_prepared(fresh, actor="driver") is fresh[0]
    assert service.retrieve(fresh[0].id) == fresh[0]
    assert [(e.id, e.actor) for e in service.events(fresh[0].id)] == [(fresh[1], "driver")]
    assert violations(db) == []


def test_idempotency(service, db):
    a = service.create(params(), idempotency_key="order-42")
    b = service.create(params(), idempotency_key="order-42")
    assert a.id == b.id
    assert service.counts()[Status.PENDING] == 1
    before = snapshot(db)
    e = expect(
        "idempotency_key_reused",
        service.create,
        params(vehicle="veh_other"),
        idempotency_key="order-42",
    )
    assert e.param == "idempotency_key"
    assert snapshot(db) == before
    # Replay still works after the clock moved past the request's start.
    later = ReservationService(db, clock=FrozenClock(NOW + 86400))
    assert later.create(params(), idempotency_key="order-42").id == a.id
    expect("parameter_invalid", service.create, params(), idempotency_key="")


def test_confirm_picks_the_best_slot_and_never_overlaps(service, db):
    tiny_network(service)
    a = service.confirm(service.create(params()).id)
    assert (a.status, a.evse, a.charging_station) == (Status.CONFIRMED, "evse_n1", "sta_near")
    assert a.scheduled_start_time == NOW + 3600
    # A second request for the same window with 30 min slack is pushed after the first.
    b = service.create(params(latest_end_time=NOW + 5400 + 1800))
    b = service.confirm(b.id)
    assert b.scheduled_start_time == a.scheduled_end_time
    # A third one with no slack cannot fit: nothing changes.
    c = service.create(params())
    before = snapshot(db)
    expect("no_available_connectors", service.confirm, c.id)
    assert snapshot(db) == before
    assert violations(db) == []


def test_confirm_respects_connectors_and_area(service):
    tiny_network(service)
    r = service.create(params(connector_types=["type2"]))
    expect("no_available_connectors", service.confirm, r.id)
    r = service.create(
        params(service_area={"latitude": CENTER[0], "longitude": CENTER[1], "radius_meters": 400})
    )
    expect("no_available_connectors", service.confirm, r.id)


def test_confirm_declined_payment_changes_nothing(service, db):
    tiny_network(service)
    for pm in ("pm_card_declined", "pm_card_insufficient_funds", None):
        r = service.create(params(payment_method=pm))
        before = snapshot(db)
        e = expect("payment_failed", service.confirm, r.id)
        assert e.param == "payment_method"
        assert snapshot(db) == before


def test_explicit_assignment(service):
    tiny_network(service)
    r = service.create(params(latest_end_time=NOW + 9000))
    e = expect("resource_missing", service.confirm, r.id, evse_id="evse_nope")
    assert e.param == "evse"
    expect("reservation_unexpected_state", service.confirm, r.id, evse_id="evse_f1")  # far
    done = service.confirm(r.id, evse_id="evse_n1", start=NOW + 5400)
    assert done.scheduled_start_time == NOW + 5400
    other = service.create(params(latest_end_time=NOW + 9000))
    expect("slot_unavailable", service.confirm, other.id, evse_id="evse_n1", start=NOW + 6000)


def test_cancel_complete_expire_fail_persist_with_events(service, db, clock):
    tiny_network(service)
    p = service.create(params())
    c = service.cancel(p.id)
    assert c.status is Status.CANCELLED and c.version == 2
    assert [e.type for e in service.events(p.id)] == [
        "reservation.created",
        "reservation.cancelled",
    ]
    before = snapshot(db)
    expect("reservation_unexpected_state", service.cancel, p.id)
    expect("reservation_unexpected_state", service.confirm, p.id)
    assert snapshot(db) == before

    f = service.fail(service.create(params()).id, "payment_failed")
    assert f.failure_reason is FailureReason.PAYMENT_FAILED
    e = expect("parameter_invalid", service.fail, service.create(params()).id, "bored")
    assert e.param == "reason"

    r = service.confirm(service.create(params()).id)
    expect("reservation_unexpected_state", service.complete, r.id)  # too early
    clock.at = r.scheduled_start_time
    done = service.complete(r.id)
    assert done.status is Status.COMPLETED

    clock.at = NOW
    q = service.create(params(preferred_start_time=NOW + 7200, preferred_end_time=NOW + 9000))
    q = service.confirm(q.id)
    clock.at = q.scheduled_start_time + 1200
    gone = service.expire(q.id, actor="clock")
    assert gone.status is Status.EXPIRED and gone.fees_charged == 500
    assert service.events(q.id)[-1].data == {"fee_charged": 200, "no_show": True}
    assert violations(db) == []


def test_expire_pending_after_window(service, clock):
    r = service.create(params())
    expect("reservation_unexpected_state", service.expire, r.id)
    clock.at = r.latest_end_time
    assert service.expire(r.id).status is Status.EXPIRED


def test_stale_version_is_refused(service, db):
    r = service.create(params())
    service.cancel(r.id, expected_version=1)
    r2 = service.create(params())
    before = snapshot(db)
    e = expect("concurrent_update", service.cancel, r2.id, expected_version=7)
    assert e.param == "id"
    assert snapshot(db) == before


def test_lost_update_detected_at_write(service, db):
    """Another writer commits between our read and our write (possible on PostgreSQL, where the
    write lock is per row): the version check at flush refuses ours and nothing is written."""
    r = service.create(params())
    with pytest.raises(ChargeError) as info, service.transaction() as uow:
        uow.get(r.id)  # we read version 1
        uow.conn.execute(  # the other writer's committed change: version 1 -> 2
            text(
                "UPDATE reservations SET version = version + 1, updated = updated + 1 "
                "WHERE id = :id"
            ),
            {"id": r.id},
        )
        uow.cancel(r.id)
    assert info.value.code == "concurrent_update"
    fresh = service.retrieve(r.id)
    assert (fresh.status, fresh.version) == (Status.PENDING, 1)  # whole transaction rolled back
    assert [e.type for e in service.events(r.id)] == ["reservation.created"]


def test_unknown_ids(service):
    expect("resource_missing", service.retrieve, "rsv_nope")
    expect("resource_missing", service.cancel, "rsv_nope")
    expect("resource_missing", service.events, "rsv_nope")


def near2_station() -> Station:
    """A second station 500 m south of the centre with one CCS1 EVSE (where a fault can move)."""
    return Station(
        "sta_near2",
        "Near 2",
        CENTER[0] - 0.0045,
        CENTER[1],
        "2 Near St",
        evses=(Evse("evse_n2", "sta_near2", (ConnectorType.CCS1,), 150.0),),
    )


def test_fault_moves_or_fails(service, db, clock):
    tiny_network(service)
    service.add_stations([near2_station()])
    a = service.confirm(service.create(params()).id, evse_id="evse_n1")
    b = service.confirm(service.create(params()).id, evse_id="evse_n2")
    touched = service.fault_evse("evse_n1")
    # a cannot move to evse_n2 (b holds the same slot, no slack) -> failed 'other'
    assert [(r.id, r.status, r.failure_reason) for r in touched] == [
        (a.id, Status.FAILED, FailureReason.OTHER)
    ]
    assert service.retrieve(b.id).status is Status.CONFIRMED
    service.restore_evse("evse_n1")
    c = service.confirm(service.create(params()).id, evse_id="evse_n1")
    moved = service.fault_evse("evse_n1")
    # the reservation on evse_n1 cannot move either (evse_n2 busy): fails
    assert moved[0].id == c.id and moved[0].status is Status.FAILED
    service.restore_evse("evse_n1")
    service.cancel(b.id)
    d = service.confirm(service.create(params()).id, evse_id="evse_n1")
    moved = service.fault_evse("evse_n1")
    assert moved[0].id == d.id
    assert (moved[0].status, moved[0].evse) == (Status.CONFIRMED, "evse_n2")
    assert service.events(d.id)[-1].type == "reservation.reassigned"
    assert service.events(d.id)[-1].previous == {"evse": "evse_n1", "charging_station": "sta_near"}
    stations = {e.id: e for s in service.stations() for e in s.evses}
    assert stations["evse_n1"].status is EvseStatus.OUT_OF_ORDER
    assert violations(db) == []


def test_list_pagination_newest_first(service, clock):
    ids = []
    for i in range(25):
        clock.at = NOW + i
        ids.append(service.create(params()).id)
    ids.reverse()
    page = service.list(limit=10)
    assert [r.id for r in page.data] == ids[:10] and page.has_more
    page2 = service.list(limit=10, starting_after=page.data[-1].id)
    assert [r.id for r in page2.data] == ids[10:20] and page2.has_more
    page3 = service.list(limit=10, starting_after=page2.data[-1].id)
    assert [r.id for r in page3.data] == ids[20:] and not page3.has_more
    back = service.list(limit=10, ending_before=page3.data[0].id)
    assert [r.id for r in back.data] == ids[10:20]
    service.cancel(ids[3])
    assert [r.id for r in service.list(status="cancelled").data] == [ids[3]]
    expect("parameter_invalid", service.list, limit=0)
    expect("parameter_invalid", service.list, limit=101)
    expect("parameter_invalid", service.list, status="bogus")
    expect("resource_missing", service.list, starting_after="rsv_nope")


def test_event_log_records_previous_values(service):
    tiny_network(service)
    r = service.confirm(service.create(params()).id)
    log = [e for e in service.events(r.id)]
    assert log[1].previous["status"] == "pending"
    assert log[1].data == {"fee_charged": 300}


def test_event_log_helper(service, db):
    service.create(params())
    assert len(event_log(db)) == 1


def test_partial_updates_store_the_whole_new_row(service, db, clock):
    """The flush sets only the columns that changed (grouped by changed-column set); what the
    store holds afterwards is still exactly the new reservation, column for column."""
    from charge_tui.domain.codec import RESERVATION

    reservation_to_row = RESERVATION.to_row
    tiny_network(service)
    with service.transaction() as uow:
        a, b, c, d = (uow.create(params()) for _ in range(4))
    with service.transaction() as uow:
        mine = [
            uow.confirm(a.id),
            uow.cancel(b.id),
            uow.fail(c.id, "payment_failed"),
        ]
        uow.set_next_check(d.id, NOW + 123)  # no version change: only next_check_at is set
        mine.append(uow.get(d.id))
        mine.append(uow.create(params()))  # inserted and never updated
    with db.engine.connect() as conn:
        for r in mine:
            row = conn.execute(text("SELECT * FROM reservations WHERE id = :i"), {"i": r.id})
            assert dict(row.mappings().one()) == reservation_to_row(r)
    clock.at = mine[0].scheduled_start_time
    with service.transaction() as uow:
        done = uow.complete(a.id)
        moved = uow.cancel(d.id)
    with db.engine.connect() as conn:
        for r in (done, moved):
            row = conn.execute(text("SELECT * FROM reservations WHERE id = :i"), {"i": r.id})
            assert dict(row.mappings().one()) == reservation_to_row(r)
    assert violations(db) == []


def test_row_values_follow_the_table_columns(service):
    """The bulk insert passes values by position: they must follow the table's column order."""
    from charge_tui.domain.codec import RESERVATION
    from charge_tui.store import tables

    RESERVATION_COLUMNS, reservation_to_row = RESERVATION.names, RESERVATION.to_row
    r = service.create(params(metadata={"k": "v"}))
    row = reservation_to_row(r)
    assert tuple(row) == tuple(c.name for c in tables.reservations.columns) == RESERVATION_COLUMNS
    assert row["metadata_json"] == '{"k":"v"}' and row["area_radius_meters"] == 5000
