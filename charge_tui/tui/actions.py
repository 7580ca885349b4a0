"""Running one state-machine action from a screen: the confirmation it needs, and its outcome.

Which actions are offered comes from the state machine (``service.allowed_actions``); what a
cancel or a no-show would cost is asked of the state machine too (``machine.apply`` is pure), so no
screen ever reasons about statuses itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from charge_tui.domain.enums import Action, FailureReason
from charge_tui.domain.errors import ChargeError
from charge_tui.domain.model import Reservation
from charge_tui.tui.views import format_money

#: Actions that end the reservation: asked for in a modal first.
ASK_FIRST = frozenset({Action.CANCEL, Action.EXPIRE, Action.FAIL, Action.COMPLETE})


def consequence(r: Reservation, action: Action, now: int) -> str:
    """What the action will do, in words, from the state machine's own transition."""
    from charge_tui.domain import machine  # (not needed for the first paint: startup)

    reason = FailureReason.OTHER if action is Action.FAIL else None
    try:
        tr = machine.apply(r, action, now, reason=reason)
    except ChargeError as exc:
        return exc.message
    fee = int(tr.data.get("fee_charged") or 0)
    verb = machine.past_tense(action)
    text = f"{r.id} will be {verb}; this cannot be undone."
    if fee:
        text += f" A fee of {format_money(fee, r.currency)} will be charged"
        text += " (no-show)." if tr.data.get("no_show") else " (late cancellation)."
    elif action is Action.CANCEL:
        text += " No fee applies."
    return text


class ActionDone(Message):
    """An action ran (``result``) or was refused (``error``)."""

    def __init__(
        self,
        reservation_id: str,
        action: Action,
        result: Reservation | None = None,
        error: ChargeError | None = None,
    ) -> None:
        super().__init__()
        self.reservation_id = reservation_id
        self.action = action
        self.result = result
        self.error = error


@dataclass(frozen=True, slots=True)
class ActionRequest:
    reservation_id: str
    action: Action
    expected_version: int
    kwargs: dict[str, Any]


def perform(data, request: ActionRequest) -> ActionDone:
    """Run the action through the service (blocking; call it from a thread worker). A refusal
    (``ChargeError``) is an outcome, not a failure; a store failure propagates to the worker."""
    try:
        r = data.act(
            request.reservation_id,
            request.action,
            expected_version=request.expected_version,
            **request.kwargs,
        )
    except ChargeError as exc:
        return ActionDone(request.reservation_id, request.action, error=exc)
    return ActionDone(request.reservation_id, request.action, result=r)
