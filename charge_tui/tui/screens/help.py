"""The help screen: every key of every screen, read from the screens' own bindings."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static

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


def _sections(current: Screen) -> list[tuple[str, list[Binding]]]:
    from charge_tui.tui.screens.create import CreateScreen
    from charge_tui.tui.screens.inspect import InspectScreen
    from charge_tui.tui.screens.list import ListScreen
    from charge_tui.tui.widgets.reservation_list import ReservationTable

    def own(cls) -> list[Binding]:
        return [b for b in cls.BINDINGS if isinstance(b, Binding) and b.description]

    app_bindings = own(type(current.app))
    if getattr(current.app, "demo", None) is None:
        app_bindings = [b for b in app_bindings if not (b.id or "").startswith("demo.")]
    app_bindings.append(Binding("ctrl+p", "command_palette", "Command palette", id="palette"))
    return [
        ("Reservations list", own(ListScreen)[:1] + own(ReservationTable) + own(ListScreen)[1:]),
        ("Inspect a reservation", own(InspectScreen)),
        ("New reservation form", own(CreateScreen)),
        ("Everywhere", app_bindings),
    ]


class HelpScreen(ModalScreen[None]):
    CSS_PATH = ["dialogs.tcss", "help.tcss"]
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="help.close")]

    def __init__(self, over: Screen) -> None:
        super().__init__(classes="modal")
        self.over = over

    def compose(self) -> ComposeResult:
        sections = _sections(self.over)
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
        table.add_column("key", style="bold #e5c07b", width=12, no_wrap=True)
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
