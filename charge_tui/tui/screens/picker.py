"""Confirm or reassign by choosing: the free slots a reservation could take, best first.

The options come from the service's slot search (``ReservationService.slot_options``: each
candidate EVSE's best start, ranked as ``confirm`` and ``reassign`` rank them), read in a worker
when the picker opens. ``enter`` takes the highlighted slot, ``b`` the best one (the service
picks it again at that moment, as the key did before the picker existed). Dismissed with
``Choice`` or None (cancelled)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Static

from charge_tui.domain.board import SlotOption
from charge_tui.domain.enums import Action
from charge_tui.domain.model import Reservation
from charge_tui.tui import keys
from charge_tui.tui.data import ConsoleData
from charge_tui.tui.views import format_duration, format_window


@dataclass(frozen=True, slots=True)
class Choice:
    """The slot chosen: an EVSE and start, or None for "the best one"."""

    evse_id: str | None = None
    start: int | None = None


class OptionsLoaded(Message):
    def __init__(self, options: list[SlotOption]) -> None:
        super().__init__()
        self.options = options


def shift_text(seconds: int) -> str:
    if abs(seconds) < 60:
        return "on time"
    return ("+" if seconds > 0 else "−") + format_duration(abs(seconds))


class PickerScreen(ModalScreen[Choice | None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = keys.PICKER

    def __init__(self, data: ConsoleData, zone: tzinfo, r: Reservation, action: Action) -> None:
        super().__init__(classes="modal")
        self.data = data
        self.zone = zone
        self.reservation = r
        self.action = action
        self.options: list[SlotOption] | None = None

    def compose(self) -> ComposeResult:
        r = self.reservation
        verb = "Confirm" if self.action is Action.CONFIRM else "Reassign"
        with Vertical(classes="dialog picker-dialog"):
            yield Static(f"{verb} {r.id}: choose a slot", classes="dialog-title", markup=False)
            yield Static(
                f"{r.driver} · prefers {format_window(r.preferred_start_time, r.preferred_end_time, self.zone)}"
                f" · {', '.join(c.value for c in r.connector_types)}"
                + (f" · now on {r.evse}" if r.evse else ""),
                classes="dialog-note",
                markup=False,
            )
            yield Static("Looking for free slots…", id="picker-note", markup=False)
            yield DataTable(id="picker-options", cursor_type="row", zebra_stripes=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Take this slot (enter)", variant="primary", id="picker-choose")
                yield Button("Best (b)", id="picker-best")
                yield Button("Cancel (esc)", id="picker-cancel")

    def on_mount(self) -> None:
        t = self.query_one(DataTable)
        for label in ("Station", "Slot", "Shift", "Distance", "Port", "EVSE"):
            t.add_column(label)
        t.focus()
        self._load()

    @work(thread=True, exclusive=True, group="picker", exit_on_error=False)
    def _load(self) -> None:
        self.post_message(OptionsLoaded(self.data.slot_options(self.reservation.id)))

    @on(OptionsLoaded)
    def _loaded(self, message: OptionsLoaded) -> None:
        self.options = message.options
        t = self.query_one(DataTable)
        t.clear()
        for i, o in enumerate(message.options):
            t.add_row(
                Text(o.station.name, style="bold" if i == 0 else ""),
                format_window(o.start, o.end, self.zone),
                shift_text(o.shift),
                f"{o.distance_m / 1000:.1f} km",
                f"{','.join(c.value for c in o.evse.connector_types)} · {o.evse.power_kw:.0f} kW",
                o.evse.id[:16] + "…",
                key=o.evse.id,
            )
        n = len(message.options)
        note = self.query_one("#picker-note", Static)
        if n:
            note.update(
                f"The {n} best EVSE{'s' if n != 1 else ''} with a free slot, best first "
                "(closest to the preferred start, then nearest)."
            )
        else:
            note.update(
                Text("No EVSE in the area has a free slot in the window.", style="bold red")
            )
        self.query_one("#picker-choose", Button).disabled = not n
        self.query_one("#picker-best", Button).disabled = not n

    def action_choose(self) -> None:
        t = self.query_one(DataTable)
        if not self.options or t.cursor_row < 0:
            return
        o = self.options[t.cursor_row]
        self.dismiss(Choice(o.evse.id, o.start))

    def action_best(self) -> None:
        if self.options:
            self.dismiss(Choice())

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_choose()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        {
            "picker-choose": self.action_choose,
            "picker-best": self.action_best,
        }.get(event.button.id or "", self.action_cancel)()
