"""Fail a reservation: pick one of the reasons the state machine accepts for it, or back out."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from charge_tui.domain.enums import FailureReason

REASON_TEXT = {
    FailureReason.NO_AVAILABLE_CONNECTORS: "no connector is available in the area",
    FailureReason.PAYMENT_FAILED: "the reservation fee could not be charged",
    FailureReason.OTHER: "anything else (e.g. a station fault with no replacement)",
}


class FailScreen(ModalScreen[FailureReason | None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "back", "Back", id="fail.back")]

    def __init__(self, reservation_id: str, reasons: list[FailureReason]) -> None:
        super().__init__(classes="modal")
        self.reservation_id = reservation_id
        self.reasons = reasons

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Static(f"Fail {self.reservation_id}?", classes="dialog-title")
            yield Static(
                "This is final. Choose the reason (enter), or escape to keep it.",
                classes="dialog-body",
            )
            yield OptionList(
                *[Option(f"{r.value} — {REASON_TEXT[r]}", id=r.value) for r in self.reasons],
                id="fail-reasons",
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        assert event.option.id is not None
        self.dismiss(FailureReason(event.option.id))

    def action_back(self) -> None:
        self.dismiss(None)
