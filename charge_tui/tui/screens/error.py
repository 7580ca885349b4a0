"""The error modal: a database or unexpected error, shown instead of a crash."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ErrorScreen(ModalScreen[None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("escape,enter", "dismiss_error", "Close", id="error.close"),
    ]

    def __init__(self, title: str, message: str) -> None:
        super().__init__(classes="modal")
        self.title_text = title
        self.message = message
        self.repeats = 1

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog -error"):
            yield Static(self.title_text, id="error-title", classes="dialog-title", markup=False)
            yield Static(self.message, id="error-message", classes="dialog-body", markup=False)
            yield Static("", id="error-repeats", classes="dialog-note")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close", variant="error", id="error-close")

    def add(self, title: str, message: str) -> None:
        """Another error while this one is shown: show the newest, count them."""
        self.repeats += 1
        self.query_one("#error-title", Static).update(title)
        self.query_one("#error-message", Static).update(message)
        self.query_one("#error-repeats", Static).update(f"({self.repeats} errors so far)")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_dismiss_error(self) -> None:
        self.dismiss(None)
