"""The help screen: every key of every screen, from the bindings the screens use (``keys.py``)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from charge_tui.domain.enums import Status
from charge_tui.tui import keys
from charge_tui.tui.views import STATUS_STYLE

INTRO = (
    "charge-tui — the operator console of the EV-charging reservation service. "
    "Everything works by keyboard and by mouse; ctrl+p opens the command palette with the "
    "current screen's actions."
)

SEARCH_HELP = (
    "Search (/): an exact id (rsv_…) is a direct look-up; text starting like an id (rsv_, drv_, "
    "veh_, sta_, evse_) is a prefix search on that column's index; anything else (a name, "
    "key=value for metadata) is a substring search over id, driver, vehicle, station and "
    "metadata, scanned in bounded steps along the current order — scroll down to search further."
)


def key_style() -> str:
    """Keys take the theme's warning colour (the one pending takes), made readable."""
    return STATUS_STYLE[Status.PENDING]


class HelpScreen(ModalScreen[None]):
    CSS_PATH = ["dialogs.tcss", "help.tcss"]
    BINDINGS = keys.HELP

    def __init__(self, sections: list[tuple[str, list[Binding]]]) -> None:
        """``sections``: (title, keys) of each screen (:func:`charge_tui.tui.keys.help_sections`)."""
        super().__init__(classes="modal")
        self.sections = sections

    def compose(self) -> ComposeResult:
        sections = self.sections
        with Vertical(id="help", classes="dialog"):
            yield Static("Keys", classes="dialog-title")
            yield Static(INTRO, classes="dialog-body")
            with Horizontal(id="help-columns"):
                with VerticalScroll(classes="help-column"):
                    for title, bindings in sections[:1]:
                        yield Static(self._table(title, bindings), classes="help-section")
                    yield Static(SEARCH_HELP, classes="dialog-body")
                with VerticalScroll(classes="help-column"):
                    for title, bindings in sections[1:]:
                        yield Static(self._table(title, bindings), classes="help-section")
        yield Footer()

    def _table(self, title: str, bindings: list[Binding]) -> Table:
        table = Table(
            title=title,
            title_justify="left",
            title_style="bold",
            box=None,
            show_header=False,
            expand=True,
            padding=(0, 1, 0, 0),
        )
        table.add_column("key", style=key_style(), width=12, no_wrap=True)
        table.add_column("does", ratio=1)
        seen: set[tuple[str, str]] = set()
        for b in bindings:
            keys = ", ".join(self.app.get_key_display(Binding(k, "")) for k in b.key.split(","))
            if (keys, b.description) in seen:
                continue
            seen.add((keys, b.description))
            table.add_row(Text(keys), b.tooltip or b.description)
        return table

    def action_close(self) -> None:
        self.dismiss(None)
