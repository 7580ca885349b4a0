"""Every row and guard of SPEC §3's transition table, on pure domain objects."""

from __future__ import annotations

import pytest

from charge_tui.domain import machine
from charge_tui.domain.enums import Action, ConnectorType, EvseStatus, FailureReason, Status
from charge_tui.domain.errors import ChargeError
from charge_tui.domain.machine import Assignment, allowed_actions, apply
from charge_tui.domain.model import Evse, Pricing, Station
from charge_tui.domain.validation import validate_create
from tests.factories import CENTER, NOW, params

STATION = Station("sta_1", "Test", CENTER[0] + 0.01, CENTER[1], "1 Main St")  # ~1.1 km north
EVSE = Evse("evse_1", "sta_1", (ConnectorType.CCS1,), 150.0)
START, END = NOW + 3600, NOW + 5400


def pending(**overrides):
    p = validate_create(params(**overrides), NOW)
    return machine.create(p, "rsv_" + "a" * 24, NOW)


def confirmed(**overrides):
    r = pending(**overrides)
    return apply(r, Action.CONFIRM, NOW, assignment=Assignment(STATION, EVSE, START, END)).after


def refused(r, action, now, **kw):
    with pytest.raises(ChargeError) as info:
        apply(r, action, now, **kw)
    assert info.value.code == "reservation_unexpected_state"
    return info.value


def test_create_is_pending_with_defaults():
    r = pending()
    assert r.status is Status.PENDING
    assert r.reservation_fee == 300 and r.currency == "usd"
    assert r.cancellation_policy.free_cancellation_until == START - 86400
    assert r.cancellation_policy.no_show_fee == 200
    assert r.cancellation_policy.grace_period_seconds == 1200
    assert r.failure_reason is None and r.evse is None
    assert r.next_check_at == START - machine.DEFAULT_CONFIRM_LEAD


def test_confirm_sets_slot_and_policy():
    pricing = Pricing(reservation_fee=500, free_cancellation_seconds=3600)
    st = Station("sta_1", "T", STATION.latitude, STATION.longitude, "a", pricing)
    tr = apply(pending(), Action.CONFIRM, NOW + 10, assignment=Assignment(st, EVSE, START, END))
    r = tr.after
    assert r.status is Status.CONFIRMED
    assert (r.charging_station, r.evse) == ("sta_1", "evse_1")
    assert (r.scheduled_start_time, r.scheduled_end_time) == (START, END)
    assert r.confirmed_at == NOW + 10 and r.updated == NOW + 10
    assert r.cancellation_policy.free_cancellation_until == START - 3600
    assert r.reservation_fee == 500 and r.fees_charged == 500
    assert r.version == 2
    assert tr.previous["status"] == "pending" and tr.previous["evse"] is None
    assert tr.event_type.value == "reservation.confirmed"


@pytest.mark.parametrize(
    ("assignment", "why"),
    [
        (Assignment(STATION, EVSE, START, END + 60), "duration"),
        (Assignment(STATION, EVSE, START - 60, END - 60), "before earliest"),
        (Assignment(STATION, EVSE, START + 60, END + 60), "after latest"),
        (
            Assignment(STATION, Evse("evse_2", "sta_1", (ConnectorType.TYPE2,), 22.0), START, END),
            "connector",
        ),
        (
            Assignment(
                STATION,
                Evse("evse_3", "sta_1", (ConnectorType.CCS1,), 50.0, EvseStatus.OUT_OF_ORDER),
                START,
                END,
            ),
            "out of order",
        ),
        (
            Assignment(
                Station("sta_far", "Far", CENTER[0] + 1, CENTER[1], "x"),
                Evse("evse_4", "sta_far", (ConnectorType.CCS1,), 50.0),
                START,
                END,
            ),
            "outside area",
        ),
        (
            Assignment(
                STATION, Evse("evse_5", "sta_other", (ConnectorType.CCS1,), 50.0), START, END
            ),
            "evse not on station",
        ),
    ],
)
def test_confirm_guards_on_the_slot(assignment, why):
    refused(pending(), Action.CONFIRM, NOW, assignment=assignment)


def test_confirm_slot_in_the_past_refused_and_window_passed_refused():
    r = pending(
        earliest_start_time=NOW - 60, preferred_start_time=NOW, preferred_end_time=NOW + 1800
    )
    refused(
        r, Action.CONFIRM, NOW + 600, assignment=Assignment(STATION, EVSE, NOW - 60, NOW + 1740)
    )
    refused(pending(), Action.CONFIRM, END, assignment=Assignment(STATION, EVSE, START, END))


def test_confirm_needs_a_slot():
    with pytest.raises(ChargeError) as info:
        apply(pending(), Action.CONFIRM, NOW)
    assert info.value.code == "parameter_invalid"


@pytest.mark.parametrize("reason", list(FailureReason))
def test_pending_can_fail_with_any_reason(reason):
    r = apply(pending(), Action.FAIL, NOW, reason=reason).after
    assert r.status is Status.FAILED and r.failure_reason is reason
    assert r.next_check_at is None


def test_confirmed_fails_only_with_other():
    r = confirmed()
    for reason in (FailureReason.PAYMENT_FAILED, FailureReason.NO_AVAILABLE_CONNECTORS):
        refused(r, Action.FAIL, NOW, reason=reason)
    assert apply(r, Action.FAIL, NOW, reason=FailureReason.OTHER).after.failure_reason is (
        FailureReason.OTHER
    )


def test_fail_needs_a_reason():
    with pytest.raises(ChargeError) as info:
        apply(pending(), Action.FAIL, NOW)
    assert info.value.param == "reason"


def test_pending_cancel_is_free_before_latest_end():
    r = pending()
    tr = apply(r, Action.CANCEL, END - 1)
    assert tr.after.status is Status.CANCELLED and tr.data["fee_charged"] == 0
    refused(r, Action.CANCEL, END)


def test_pending_expires_only_after_latest_end():
    r = pending(latest_end_time=END + 600)
    refused(r, Action.EXPIRE, END + 599)
    tr = apply(r, Action.EXPIRE, END + 600)
    assert tr.after.status is Status.EXPIRED and tr.data["fee_charged"] == 0


def test_confirmed_cancel_fee_rule():
    r = confirmed()
    free_until = r.cancellation_policy.free_cancellation_until
    free = apply(r, Action.CANCEL, free_until)
    assert free.data["fee_charged"] == 0 and free.after.fees_charged == 300
    late = apply(r, Action.CANCEL, free_until + 1)
    assert late.data["fee_charged"] == 300 and late.after.fees_charged == 600
    refused(r, Action.CANCEL, START)


def test_confirmed_no_show_after_grace():
    r = confirmed()
    refused(r, Action.EXPIRE, START + 1199)
    tr = apply(r, Action.EXPIRE, START + 1200)
    assert tr.after.status is Status.EXPIRED
    assert tr.data == {"fee_charged": 200, "no_show": True}
    assert tr.after.fees_charged == 300 + 200


def test_complete_from_early_tolerance():
    r = confirmed()
    refused(r, Action.COMPLETE, START - machine.EARLY_COMPLETE_TOLERANCE - 1)
    done = apply(r, Action.COMPLETE, START - machine.EARLY_COMPLETE_TOLERANCE).after
    assert done.status is Status.COMPLETED and done.evse == "evse_1"


def test_reassign_keeps_confirmed_and_records_previous():
    r = confirmed()
    other = Evse("evse_9", "sta_1", (ConnectorType.CCS1,), 150.0)
    tr = apply(r, Action.REASSIGN, NOW, assignment=Assignment(STATION, other, START, END))
    assert tr.after.status is Status.CONFIRMED and tr.after.evse == "evse_9"
    assert tr.previous == {"evse": "evse_1"}
    assert tr.event_type.value == "reservation.reassigned"
    refused(r, Action.REASSIGN, END, assignment=Assignment(STATION, other, START, END))


@pytest.mark.parametrize(
    "terminal", [Status.COMPLETED, Status.CANCELLED, Status.FAILED, Status.EXPIRED]
)
def test_terminal_statuses_refuse_everything(terminal):
    from dataclasses import replace

    r = replace(confirmed(), status=terminal)
    assert allowed_actions(r, NOW) == []
    for action in Action:
        refused(
            r,
            action,
            NOW,
            reason=FailureReason.OTHER,
            assignment=Assignment(STATION, EVSE, START, END),
        )


def test_pending_cannot_complete_or_reassign():
    refused(pending(), Action.COMPLETE, START)
    refused(pending(), Action.REASSIGN, NOW, assignment=Assignment(STATION, EVSE, START, END))


def test_confirmed_cannot_confirm_again():
    refused(confirmed(), Action.CONFIRM, NOW, assignment=Assignment(STATION, EVSE, START, END))


def test_allowed_actions_follow_the_clock():
    p = pending()
    assert set(allowed_actions(p, NOW)) == {Action.CONFIRM, Action.CANCEL, Action.FAIL}
    assert set(allowed_actions(p, END)) == {Action.EXPIRE, Action.FAIL}
    c = confirmed()
    assert set(allowed_actions(c, NOW)) == {Action.CANCEL, Action.FAIL, Action.REASSIGN}
    assert set(allowed_actions(c, START)) == {Action.COMPLETE, Action.FAIL}
    assert set(allowed_actions(c, START + 1200)) == {Action.COMPLETE, Action.EXPIRE, Action.FAIL}


def test_apply_is_pure():
    r = pending()
    apply(r, Action.CANCEL, NOW)
    assert r.status is Status.PENDING and r.version == 1


def test_previous_is_the_api_diff_of_every_transition():
    """``apply`` diffs only the changed fields; the result is the full API diff's."""
    from charge_tui.domain.api import API_FIELDS, api_diff, reservation_to_api

    pricing = Pricing(reservation_fee=500, free_cancellation_seconds=3600, grace_period_seconds=600)
    st = Station("sta_1", "T", STATION.latitude, STATION.longitude, "a", pricing)
    other = Evse("evse_9", "sta_1", (ConnectorType.CCS1,), 150.0)
    cases = []
    for r in (pending(), confirmed()):
        for action in Action:
            for now in (NOW, START - 60, START + 1300, END + 86400 * 3):
                for a in (
                    None,
                    Assignment(st, EVSE, START, END),
                    Assignment(st, other, START, END),
                ):
                    for reason in (None, *FailureReason):
                        cases.append((r, action, now, a, reason))
    seen = 0
    for r, action, now, a, reason in cases:
        try:
            tr = apply(r, action, now, assignment=a, reason=reason)
        except ChargeError:
            continue
        seen += 1
        assert tr.previous == api_diff(reservation_to_api(r), reservation_to_api(tr.after))
        assert list(tr.previous) == [k for k in API_FIELDS if k in tr.previous]
    assert seen > 20
