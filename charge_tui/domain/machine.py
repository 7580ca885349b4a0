"""The status state machine of SPEC §3: statuses, allowed transitions and their guards.

Pure: no UI, no database. Every status change in the program is computed by :func:`apply`, which
either returns the new reservation and the event to append, or raises a :class:`ChargeError` with
code ``reservation_unexpected_state`` (or ``parameter_invalid`` for a bad argument) and changes
nothing. What needs the store (is the EVSE free for the whole slot?) is checked by the service in
the same transaction; everything else about a slot is checked here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from charge_tui.domain.codec import RESERVATION
from charge_tui.domain.enums import (
    Action,
    EventType,
    EvseStatus,
    FailureReason,
    Status,
)
from charge_tui.domain.errors import PARAMETER_INVALID, UNEXPECTED_STATE, ChargeError
from charge_tui.domain.geo import haversine_m
from charge_tui.domain.model import (
    CancellationPolicy,
    Evse,
    Pricing,
    Reservation,
    Station,
    evolve,
)

#: A charging session may be reported this long before its scheduled start.
EARLY_COMPLETE_TOLERANCE = 5 * 60
#: A slot may start this little before "now" (clock skew between engine processes).
SLOT_START_SKEW = 60
#: Default: the engine confirms reservations this long before their earliest start.
DEFAULT_CONFIRM_LEAD = 30 * 60

#: (from, action) -> to. The table of SPEC §3; guards are in :func:`_guard`.
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (Status.PENDING, Action.CONFIRM): Status.CONFIRMED,
    (Status.PENDING, Action.FAIL): Status.FAILED,
    (Status.PENDING, Action.CANCEL): Status.CANCELLED,
    (Status.PENDING, Action.EXPIRE): Status.EXPIRED,
    (Status.CONFIRMED, Action.COMPLETE): Status.COMPLETED,
    (Status.CONFIRMED, Action.CANCEL): Status.CANCELLED,
    (Status.CONFIRMED, Action.EXPIRE): Status.EXPIRED,
    (Status.CONFIRMED, Action.FAIL): Status.FAILED,
    (Status.CONFIRMED, Action.REASSIGN): Status.CONFIRMED,
}

EVENT_FOR: dict[Action, EventType] = {
    Action.CONFIRM: EventType.CONFIRMED,
    Action.CANCEL: EventType.CANCELLED,
    Action.COMPLETE: EventType.COMPLETED,
    Action.EXPIRE: EventType.EXPIRED,
    Action.FAIL: EventType.FAILED,
    Action.REASSIGN: EventType.REASSIGNED,
}


@dataclass(frozen=True, slots=True)
class Assignment:
    """A proposed slot with the station and EVSE it is on (what the guards need to know)."""

    station: Station
    evse: Evse
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Transition:
    before: Reservation
    after: Reservation
    event_type: EventType
    previous: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)


def _refuse(message: str) -> ChargeError:
    return ChargeError(UNEXPECTED_STATE, message, None)


def next_check_for_pending(earliest_start_time: int, confirm_lead: int) -> int:
    return earliest_start_time - confirm_lead


def check_assignment(r: Reservation, a: Assignment, now: int) -> None:
    """Everything about a slot that SPEC §3 and invariant 2 demand, except that it is free."""
    if a.evse.station_id != a.station.id:
        raise _refuse(f"EVSE {a.evse.id} is not on station {a.station.id}.")
    if a.evse.status is not EvseStatus.AVAILABLE:
        raise _refuse(f"EVSE {a.evse.id} is {a.evse.status.value}.")
    if a.end - a.start != r.duration:
        raise _refuse(
            f"The slot lasts {a.end - a.start} s but the reservation asks for {r.duration} s."
        )
    if a.start < r.earliest_start_time or a.end > r.latest_end_time:
        raise _refuse("The slot is outside the reservation's acceptable window.")
    if a.start < now - SLOT_START_SKEW:
        raise _refuse("The slot starts in the past.")
    if not set(a.evse.connector_types) & set(r.connector_types):
        raise _refuse(f"EVSE {a.evse.id} has no acceptable connector type.")
    distance = haversine_m(
        r.service_area.latitude, r.service_area.longitude, a.station.latitude, a.station.longitude
    )
    if distance > r.service_area.radius_meters:
        raise _refuse(f"Station {a.station.id} is outside the service area ({distance:.0f} m).")


def _guard(
    r: Reservation,
    action: Action,
    now: int,
    assignment: Assignment | None,
    reason: FailureReason | None,
) -> Status:
    target = TRANSITIONS.get((r.status, action))
    if target is None:
        raise _refuse(f"A {r.status.value} reservation cannot be {past_tense(action)}.")
    s = r.status
    if action is Action.CONFIRM:
        if now >= r.latest_end_time:
            raise _refuse("The reservation's acceptable window has passed.")
        if assignment is None:
            raise ChargeError(PARAMETER_INVALID, "A slot is needed to confirm.", "slot")
        check_assignment(r, assignment, now)
    elif action is Action.REASSIGN:
        assert r.scheduled_end_time is not None
        if now >= r.scheduled_end_time:
            raise _refuse("The reservation's slot has already ended.")
        if assignment is None:
            raise ChargeError(PARAMETER_INVALID, "A slot is needed to reassign.", "slot")
        check_assignment(r, assignment, now)
    elif action is Action.CANCEL:
        if s is Status.PENDING and now >= r.latest_end_time:
            raise _refuse("The reservation's acceptable window has passed; it can only expire.")
        if s is Status.CONFIRMED and now >= _start(r):
            raise _refuse("The scheduled slot has started; it can no longer be cancelled.")
    elif action is Action.EXPIRE:
        if s is Status.PENDING and now < r.latest_end_time:
            raise _refuse("A pending reservation expires only once latest_end_time has passed.")
        if s is Status.CONFIRMED:
            deadline = _start(r) + r.cancellation_policy.grace_period_seconds
            if now < deadline:
                raise _refuse("A no-show is declared only after the grace period.")
    elif action is Action.COMPLETE:
        if now < _start(r) - EARLY_COMPLETE_TOLERANCE:
            raise _refuse("A charging session cannot be reported this early before its slot.")
    elif action is Action.FAIL:
        if reason is None:
            raise ChargeError(PARAMETER_INVALID, "A failure reason is required.", "reason")
        if s is Status.CONFIRMED and reason is not FailureReason.OTHER:
            raise _refuse("A confirmed reservation can only fail with reason 'other'.")
    return target


def _start(r: Reservation) -> int:
    assert r.scheduled_start_time is not None
    return r.scheduled_start_time


def past_tense(action: Action) -> str:
    return {
        Action.CONFIRM: "confirmed",
        Action.CANCEL: "cancelled",
        Action.COMPLETE: "completed",
        Action.EXPIRE: "expired",
        Action.FAIL: "failed",
        Action.REASSIGN: "reassigned",
    }[action]


def apply(
    r: Reservation,
    action: Action,
    now: int,
    *,
    assignment: Assignment | None = None,
    reason: FailureReason | None = None,
) -> Transition:
    """The transition ``action`` on ``r`` at ``now``, or a refusal. Pure."""
    target = _guard(r, action, now, assignment, reason)
    changes: dict[str, Any] = {"status": target, "updated": now, "version": r.version + 1}
    data: dict[str, Any] = {}
    if action in (Action.CONFIRM, Action.REASSIGN):
        assert assignment is not None
        pricing: Pricing = assignment.station.pricing
        changes.update(
            charging_station=assignment.station.id,
            evse=assignment.evse.id,
            scheduled_start_time=assignment.start,
            scheduled_end_time=assignment.end,
            next_check_at=assignment.start + r.cancellation_policy.grace_period_seconds,
        )
        if action is Action.CONFIRM:
            policy = CancellationPolicy(
                free_cancellation_until=assignment.start - pricing.free_cancellation_seconds,
                late_cancellation_fee=pricing.late_cancellation_fee,
                no_show_fee=pricing.no_show_fee,
                grace_period_seconds=pricing.grace_period_seconds,
            )
            changes.update(
                confirmed_at=now,
                cancellation_policy=policy,
                reservation_fee=pricing.reservation_fee,
                currency=pricing.currency,
                fees_charged=r.fees_charged + pricing.reservation_fee,
                next_check_at=assignment.start + policy.grace_period_seconds,
            )
            data["fee_charged"] = pricing.reservation_fee
    elif action is Action.CANCEL:
        fee = 0
        if r.status is Status.CONFIRMED and now > r.cancellation_policy.free_cancellation_until:
            fee = r.cancellation_policy.late_cancellation_fee
        changes.update(fees_charged=r.fees_charged + fee, next_check_at=None)
        data["fee_charged"] = fee
    elif action is Action.EXPIRE:
        fee = r.cancellation_policy.no_show_fee if r.status is Status.CONFIRMED else 0
        changes.update(fees_charged=r.fees_charged + fee, next_check_at=None)
        data["fee_charged"] = fee
        if r.status is Status.CONFIRMED:
            data["no_show"] = True
    elif action is Action.COMPLETE:
        changes.update(next_check_at=None)
    elif action is Action.FAIL:
        changes.update(failure_reason=reason, next_check_at=None)
    after = evolve(r, changes)
    return Transition(r, after, EVENT_FOR[action], previous_values(r, after, changes), data)


def previous_values(before: Reservation, after: Reservation, changes: dict[str, Any]) -> dict:
    """The event's ``previous``: API values before the change of the API fields that changed
    (``updated`` excluded). Same result as ``api_diff(reservation_to_api(before),
    reservation_to_api(after))``, computed from the changed fields only."""
    out: dict[str, Any] = {}
    for k in RESERVATION.changeable_api_fields:
        if k in changes:
            b = getattr(before, k)
            if b != getattr(after, k):
                out[k] = RESERVATION.api_value(k, b)
    return out


def allowed_actions(r: Reservation, now: int) -> list[Action]:
    """The actions whose guards pass now (a confirm/reassign still needs a free slot)."""
    out: list[Action] = []
    for (status, action), _target in TRANSITIONS.items():
        if status is not r.status:
            continue
        try:
            if action in (Action.CONFIRM, Action.REASSIGN):
                _guard_time_only(r, action, now)
            else:
                reason = FailureReason.OTHER if action is Action.FAIL else None
                _guard(r, action, now, None, reason)
        except ChargeError:
            continue
        out.append(action)
    return out


def _guard_time_only(r: Reservation, action: Action, now: int) -> None:
    if action is Action.CONFIRM and now >= r.latest_end_time - r.duration + SLOT_START_SKEW:
        raise _refuse("No slot can fit in the acceptable window any more.")
    if action is Action.REASSIGN and now >= _start(r):
        raise _refuse("The slot has started.")


def failure_reasons_allowed(r: Reservation) -> list[FailureReason]:
    if r.status is Status.PENDING:
        return list(FailureReason)
    if r.status is Status.CONFIRMED:
        return [FailureReason.OTHER]
    return []


def create(
    params: Any,
    reservation_id: str,
    now: int,
    *,
    pricing: Pricing | None = None,
    confirm_lead: int = DEFAULT_CONFIRM_LEAD,
) -> Reservation:
    """The — → pending row of SPEC §3, from validated :class:`CreateParams`."""
    pricing = pricing or Pricing()
    return Reservation(
        id=reservation_id,
        created=now,
        updated=now,
        status=Status.PENDING,
        driver=params.driver,
        vehicle=params.vehicle,
        connector_types=params.connector_types,
        preferred_start_time=params.preferred_start_time,
        preferred_end_time=params.preferred_end_time,
        earliest_start_time=params.earliest_start_time,
        latest_end_time=params.latest_end_time,
        service_area=params.service_area,
        metadata=dict(params.metadata),
        payment_method=params.payment_method,
        reservation_fee=pricing.reservation_fee,
        currency=pricing.currency,
        cancellation_policy=CancellationPolicy(
            free_cancellation_until=params.preferred_start_time - pricing.free_cancellation_seconds,
            late_cancellation_fee=pricing.late_cancellation_fee,
            no_show_fee=pricing.no_show_fee,
            grace_period_seconds=pricing.grace_period_seconds,
        ),
        version=1,
        next_check_at=next_check_for_pending(params.earliest_start_time, confirm_lead),
    )
