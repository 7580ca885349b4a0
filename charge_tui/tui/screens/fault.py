"""Before faulting an EVSE: its blast radius, as the service computed it by running the fault and
rolling it back. Lists each confirmed reservation on it that has not ended, where it moves (or
that it fails with ``other``), and the fees at stake. Answers True to go ahead."""

from __future__ import annotations

from datetime import tzinfo

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from charge_tui.domain.board import FaultOutcome
from charge_tui.tui import keys
from charge_tui.tui.views import format_money, format_window


def effects_table(outcome: FaultOutcome, zone: tzinfo) -> Table:
    table = Table(box=None, expand=True, show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("reservation", no_wrap=True)
    table.add_column("slot now", no_wrap=True)
    table.add_column("then", ratio=1, overflow="fold")
    for e in outcome.effects:
        b, a = e.before, e.after
        slot = format_window(b.scheduled_start_time or 0, b.scheduled_end_time or 0, zone)
        if e.moved:
            where = e.station.name if e.station else a.charging_station or ""
            then = Text(f"moves to {a.evse} at {where}, ", style="green")
            then.append(format_window(a.scheduled_start_time or 0, a.scheduled_end_time or 0, zone))
        else:
            then = Text("fails (other); fee ", style="bold red")
            then.append(format_money(b.reservation_fee, b.currency) + " not refunded")
        table.add_row(Text(f"{b.id}\n{b.driver}"), slot, then)
    return table


def summary(outcome: FaultOutcome) -> str:
    n = len(outcome.effects)
    if not n:
        return "No confirmed reservation is on it from now on: nothing else changes."
    text = f"{n} confirmed reservation{'s' if n != 1 else ''} on it: "
    text += f"{len(outcome.moved)} will move, {len(outcome.failed)} will fail"
    if outcome.failed:
        currency = outcome.failed[0].before.currency
        text += f" (fees at stake: {format_money(outcome.fees_at_stake, currency)})"
    return text + "."


class FaultScreen(ModalScreen[bool]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = keys.FAULT

    def __init__(self, preview: FaultOutcome, zone: tzinfo) -> None:
        super().__init__(classes="modal")
        self.preview = preview
        self.zone = zone

    def compose(self) -> ComposeResult:
        p = self.preview
        evse = p.evse
        with Vertical(id="dialog", classes="dialog -error fault-dialog"):
            yield Static(
                f"Fault {evse.id} at {p.station.name}?", classes="dialog-title", markup=False
            )
            yield Static(
                f"{','.join(c.value for c in evse.connector_types)} · {evse.power_kw:.0f} kW · "
                f"{p.station.address}. It goes out of order until restored (R).",
                classes="dialog-note",
                markup=False,
            )
            yield Static(summary(p), classes="dialog-body", markup=False, id="fault-summary")
            if p.effects:
                with VerticalScroll(id="fault-effects"):
                    yield Static(effects_table(p, self.zone))
            with Horizontal(classes="dialog-buttons"):
                yield Button("Fault it (y)", variant="error", id="fault-yes")
                yield Button("Cancel (n)", id="fault-no")

    def on_mount(self) -> None:
        self.query_one("#fault-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "fault-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
