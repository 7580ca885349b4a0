"""Export the list's current view: ask for a file name (``.csv`` or ``.jsonl``), refuse a name
that cannot be written or a file that exists, and return the path through ``dismiss``."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from charge_tui.domain.export import format_for
from charge_tui.tui import keys


def check_export_path(text: str, cwd: Path) -> tuple[Path | None, str]:
    """The path to write, or None and why not (one line)."""
    text = text.strip()
    if not text:
        return None, "Type a file name ending in .csv or .jsonl."
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = cwd / path
    if format_for(path) is None:
        return None, f"{path.name}: the name must end in .csv or .jsonl."
    if path.exists():
        return None, f"{path} exists: choose another name (nothing is overwritten)."
    if not path.parent.is_dir():
        return None, f"{path.parent} is not a directory."
    return path, ""


class ExportScreen(ModalScreen[Path | None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = keys.EXPORT

    def __init__(self, what: str, suggested: str, cwd: Path) -> None:
        super().__init__(classes="modal")
        self.what = what
        self.suggested = suggested
        self.cwd = cwd

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Static("Export the view", classes="dialog-title")
            yield Static(
                f"{self.what} — all of it, not only the rows on screen. The name's ending "
                "chooses the format: .csv or .jsonl (one API object a line). Enter writes it, "
                "escape goes back.",
                classes="dialog-body",
                markup=False,
            )
            yield Input(self.suggested, id="export-path")
            yield Static("", id="export-error", classes="dialog-note", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted, "#export-path")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        path, why = check_export_path(event.value, self.cwd)
        if path is None:
            self.query_one("#export-error", Static).update(why)
            return
        self.dismiss(path)

    def action_back(self) -> None:
        self.dismiss(None)
