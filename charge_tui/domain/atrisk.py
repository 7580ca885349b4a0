"""What needs a dispatcher now (the at-risk view): the reasons, and the rule for each, as pure
functions of a reservation and the clock, so that the store's indexed reads can be checked
against the definition applied to every reservation."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from charge_tui.domain.enums import Status
from charge_tui.domain.model import Reservation


class RiskReason(StrEnum):
    #: Pending, and its confirmation time (earliest start minus the confirm lead) has passed.
    UNCONFIRMED = "unconfirmed"
    #: Confirmed on an EVSE that is out of order, its slot not over yet.
    FAULTED_EVSE = "faulted_evse"
    #: Confirmed, its slot has started, no charging session reported yet (within the grace
    #: period, or past it and not yet marked a no-show).
    NO_SESSION = "no_session"


RISK_TEXT = {
    RiskReason.UNCONFIRMED: "not confirmed, confirmation due",
    RiskReason.FAULTED_EVSE: "its EVSE is out of order",
    RiskReason.NO_SESSION: "started, no session yet",
}


@dataclass(frozen=True, slots=True)
class RiskItem:
    reservation: Reservation
    reason: RiskReason
    #: Since when it has been (or will be) at risk: the confirmation time, or the slot's start.
    since: int


def risk_of(
    r: Reservation, now: int, confirm_lead: int, faulted_evses: frozenset[str]
) -> tuple[RiskReason, int] | None:
    """Why ``r`` is at risk at ``now``, and since when; None if it is not."""
    if r.status is Status.PENDING:
        due = r.earliest_start_time - confirm_lead
        return (RiskReason.UNCONFIRMED, due) if due <= now else None
    if r.status is not Status.CONFIRMED:
        return None
    assert r.scheduled_start_time is not None and r.scheduled_end_time is not None
    if r.evse in faulted_evses and r.scheduled_end_time > now:
        return RiskReason.FAULTED_EVSE, r.scheduled_start_time
    if r.scheduled_start_time <= now:
        return RiskReason.NO_SESSION, r.scheduled_start_time
    return None


@dataclass(frozen=True, slots=True)
class AtRisk:
    """The at-risk view: items oldest first; ``capped``: a reason had more than the limit."""

    items: tuple[RiskItem, ...]
    capped: bool = False

    def count_text(self) -> str:
        return f"{len(self.items)}{'+' if self.capped else ''}"
