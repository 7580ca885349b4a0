"""The at-risk view (``r`` from the list): what needs a dispatcher now, oldest first.

Pending reservations whose confirmation time has passed, confirmed ones on an out-of-order EVSE,
confirmed ones whose slot has started with no session yet. Re-read on every store change and
every few seconds (the clock alone moves things in and out); ``enter`` inspects one.
"""

from __future__ import annotations

from datetime import tzinfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from charge_tui.domain.atrisk import RISK_TEXT, AtRisk, RiskItem, RiskReason
from charge_tui.tui import keys
from charge_tui.tui.data import ConsoleData
from charge_tui.tui.messages import Restyled, StoreChanged
from charge_tui.tui.views import format_relative, format_window, status_text

#: Seconds between re-reads when the store does not change.
REFRESH_SECONDS = 5.0

COLUMNS = (
    ("since", "Since", 13),
    ("why", "Why", 31),
    ("id", "ID", 28),
    ("status", "Status", 9),
    ("driver", "Driver", 12),
    ("station", "Station", 16),
    ("slot", "Slot or window", 21),
)


class AtRiskLoaded(Message):
    def __init__(self, at_risk: AtRisk, now: int) -> None:
        super().__init__()
        self.at_risk = at_risk
        self.now = now


def risk_cells(item: RiskItem, now: int, zone: tzinfo, station: str | None) -> tuple:
    """The row of one item, in :data:`COLUMNS` order."""
    r = item.reservation
    if r.scheduled_start_time is not None and r.scheduled_end_time is not None:
        slot = format_window(r.scheduled_start_time, r.scheduled_end_time, zone)
    else:
        slot = format_window(r.preferred_start_time, r.preferred_end_time, zone)
    why = RISK_TEXT[item.reason]
    if item.reason is RiskReason.FAULTED_EVSE and r.evse:
        why = f"{why} ({r.evse})"
    return (
        format_relative(item.since, now),
        why,
        r.id,
        status_text(r.status),
        r.driver,
        station or r.charging_station or "—",
        slot,
    )


class AtRiskScreen(Screen[None]):
    DEFAULT_CSS = """
    #atrisk-title { height: 1; padding: 0 1; background: $panel; }
    #atrisk-table { height: 1fr; }
    #atrisk-empty { height: 3; padding: 1 2; color: $text-muted; }
    """
    BINDINGS = keys.AT_RISK

    def __init__(self, data: ConsoleData, zone: tzinfo) -> None:
        super().__init__()
        self.data = data
        self.zone = zone
        self.at_risk: AtRisk | None = None
        self._now = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("At risk: reading…", id="atrisk-title", markup=False)
        yield DataTable(id="atrisk-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="atrisk-empty", markup=False)
        yield Footer()

    @property
    def table(self) -> DataTable:
        return self.query_one("#atrisk-table", DataTable)

    def on_mount(self) -> None:
        for key, title, width in COLUMNS:
            self.table.add_column(title, key=key, width=width)
        self.table.focus()
        self._load()
        self.set_interval(REFRESH_SECONDS, self._load)

    @on(StoreChanged)
    def _store_changed(self, message: StoreChanged) -> None:
        self._load()

    @on(Restyled)
    def _restyled(self, message: Restyled) -> None:
        if self.at_risk is not None:
            self._show(self.at_risk, self._now, force=True)

    @work(thread=True, exclusive=True, group="atrisk", exit_on_error=False)
    def _load(self) -> None:
        found = self.data.at_risk()
        self.data.name_stations(i.reservation for i in found.items)
        self.post_message(AtRiskLoaded(found, self.data.now()))

    @on(AtRiskLoaded)
    def _loaded(self, message: AtRiskLoaded) -> None:
        self._show(message.at_risk, message.now)

    def _show(self, found: AtRisk, now: int, force: bool = False) -> None:
        if not force and found == self.at_risk and now // 60 == self._now // 60:
            return
        self.at_risk, self._now = found, now
        table = self.table
        keep = self.highlighted_id
        with self.app.batch_update():
            table.clear()
            for item in found.items:
                name = self.data.station_name(item.reservation.charging_station)
                table.add_row(*risk_cells(item, now, self.zone, name), key=item.reservation.id)
            if keep is not None:
                ids = [i.reservation.id for i in found.items]
                if keep in ids:
                    table.move_cursor(row=ids.index(keep), animate=False)
        per = {reason: 0 for reason in RiskReason}
        for item in found.items:
            per[item.reason] += 1
        title = Text(f"At risk: {found.count_text()}", style="bold")
        title.append("  —  ")
        title.append(
            " · ".join(f"{RISK_TEXT[reason]} {n}" for reason, n in per.items())
            + ("   (each reason shows its 500 oldest)" if found.capped else ""),
            style="dim",
        )
        self.query_one("#atrisk-title", Static).update(title)
        empty = self.query_one("#atrisk-empty", Static)
        empty.display = not found.items
        empty.update("Nothing is at risk now.")

    @property
    def highlighted_id(self) -> str | None:
        table = self.table
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return str(key) if key is not None else None

    @on(DataTable.RowSelected, "#atrisk-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self._inspect(str(event.row_key.value))

    def action_select_cursor(self) -> None:
        rid = self.highlighted_id
        if rid is not None:
            self._inspect(rid)

    def _inspect(self, reservation_id: str) -> None:
        from charge_tui.tui.screens.inspect import InspectScreen

        self.app.push_screen(InspectScreen(self.data, self.zone, reservation_id))

    def action_copy(self) -> None:
        rid = self.highlighted_id
        if rid is not None:
            self.app.copy_to_clipboard(rid)
            self.notify(f"Copied {rid}", timeout=2, markup=False)

    def action_back(self) -> None:
        self.dismiss(None)
