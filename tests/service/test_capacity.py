"""The station board's service calls on both back ends: a fault's preview is the fault itself
rolled back, faults and restores refuse the wrong state, ranked slots agree with confirm."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from charge_tui.domain.enums import EvseStatus, FailureReason, Status
from charge_tui.domain.errors import ChargeError
from tests.factories import NOW, params
from tests.invariants import violations
from tests.service.test_service import expect, near2_station, snapshot, tiny_network


def two_near(service):
    tiny_network(service)
    service.add_stations([near2_station()])


def test_preview_is_the_fault_rolled_back(service, db):
    two_near(service)
    movable = service.confirm(service.create(params()).id, evse_id="evse_n1")
    stuck_params = params(preferred_start_time=NOW + 7200, preferred_end_time=NOW + 9000)
    stuck = service.confirm(service.create(stuck_params).id, evse_id="evse_n1")
    service.confirm(service.create(stuck_params).id, evse_id="evse_n2")
    before = snapshot(db)

    preview = service.fault_outcome("evse_n1", preview=True)

    assert snapshot(db) == before
    assert not preview.applied
    assert [(e.before.id, e.moved) for e in preview.effects] == [
        (movable.id, True),
        (stuck.id, False),
    ]
    assert preview.moved[0].after.evse == "evse_n2"
    assert preview.moved[0].station.name == "Near 2"
    assert preview.failed[0].after.failure_reason is FailureReason.OTHER
    assert preview.fees_at_stake == stuck.reservation_fee

    done = service.fault_outcome("evse_n1")
    assert done.applied
    assert [(e.after.id, e.after.status, e.after.evse) for e in done.effects] == [
        (e.after.id, e.after.status, e.after.evse) for e in preview.effects
    ]
    assert service.retrieve(stuck.id).failure_reason is FailureReason.OTHER
    assert service.events(movable.id)[-1].type == "reservation.reassigned"
    assert violations(db) == []


def test_fault_and_restore_refuse_the_wrong_state(service, db):
    tiny_network(service)
    expect("evse_unexpected_state", service.restore_evse, "evse_n1")
    expect("resource_missing", service.fault_outcome, "evse_nope", preview=True)
    expect("resource_missing", service.restore_evse, "evse_nope")
    service.fault_evse("evse_n1")
    before = snapshot(db)
    expect("evse_unexpected_state", service.fault_evse, "evse_n1")
    expect("evse_unexpected_state", service.fault_outcome, "evse_n1", preview=True)
    assert snapshot(db) == before
    service.restore_evse("evse_n1")
    evses = {e.id: e for s in service.stations() for e in s.evses}
    assert evses["evse_n1"].status is EvseStatus.AVAILABLE


def test_ranked_slots_start_with_what_confirm_takes(service, network):
    for i in range(8):
        service.confirm(service.create(params(driver=f"drv_{i}")).id)
    r = service.create(params())
    options = service.slot_options(r.id)
    assert options, "the seeded network has room"
    keys = [(abs(o.shift), o.distance_m, o.evse.id) for o in options]
    assert keys == sorted(keys)
    assert len({o.evse.id for o in options}) == len(options)
    confirmed = service.confirm(r.id)
    assert (confirmed.evse, confirmed.scheduled_start_time) == (
        options[0].evse.id,
        options[0].start,
    )


def test_reassign_options_leave_out_the_current_evse(service, network):
    r = service.confirm(service.create(params()).id)
    options = service.slot_options(r.id)
    assert r.evse not in {o.evse.id for o in options}
    chosen = options[-1]
    moved = service.reassign(r.id, evse_id=chosen.evse.id, start=chosen.start)
    assert (moved.evse, moved.scheduled_start_time) == (chosen.evse.id, chosen.start)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.integers(0, 5), min_size=1, max_size=8), st.integers(0, 11))
def test_any_preview_matches_its_fault(service, network, db, shifts, which):
    """Whatever is booked, the preview names exactly what the fault then does, and the store
    keeps SPEC §3's invariants."""
    for k, shift in enumerate(shifts):
        start = NOW + 3600 + shift * 1800
        p = params(driver=f"drv_{k}", preferred_start_time=start, preferred_end_time=start + 3600)
        with contextlib.suppress(ChargeError):  # no room left: fine, the fault is the test
            service.confirm(service.create(p).id)
    evses = [e for s in service.stations() for e in s.evses if e.status is EvseStatus.AVAILABLE]
    if not evses:
        return
    evse = evses[which % len(evses)].id
    preview = service.fault_outcome(evse, preview=True)
    done = service.fault_outcome(evse)
    assert [(e.after.id, e.after.status, e.after.evse) for e in preview.effects] == [
        (e.after.id, e.after.status, e.after.evse) for e in done.effects
    ]
    for e in done.failed:
        assert e.after.status is Status.FAILED and e.after.failure_reason is FailureReason.OTHER
    assert violations(db) == []
    service.restore_evse(evse)


def test_board_reads_page_both_ways_on_each_back_end(service, network):
    """Keyset pages of stations cover the network once each way, in the store's own order; a
    period's held slots are exactly the confirmed ones overlapping it."""
    from charge_tui.domain.board import Period
    from charge_tui.store import board

    for i in range(6):
        service.confirm(service.create(params(driver=f"drv_{i}")).id)
    with service.reading() as conn:
        forward, after = [], None
        while page := board.station_page(conn, after=after, limit=5):
            forward += page
            after = board.key_of(page[-1])
        before = board.key_of(forward[-1])
        backward = [forward[-1]]
        while page := board.station_page(conn, before=before, limit=5):
            backward = page + backward
            before = board.key_of(page[0])
        assert [s.id for s in forward] == [s.id for s in backward]
        assert sorted(s.id for s in forward) == sorted(s.id for s in service.stations())
        assert board.position(conn, board.key_of(forward[7])) == 7
        assert board.station_count(conn) == len(forward)
        period = Period(NOW, 6 * 3600)
        slots = board.held_slots(conn, [e.id for s in forward for e in s.evses], period)
        names = board.station_names(conn, [s.id for s in forward[:3]])
    confirmed = [r for r in service.list(limit=100).data if r.status is Status.CONFIRMED]
    assert sorted(s.reservation_id for s in slots) == sorted(r.id for r in confirmed)
    assert names == {s.id: s.name for s in forward[:3]}
