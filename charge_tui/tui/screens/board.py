"""The station board: the network's capacity over time (key ``b`` from the list).

Top: a page of stations in name order (EVSEs, up, out of order, utilisation of the shown period),
paged by keyset as the cursor passes either edge. Bottom: the highlighted station's EVSEs, each a
timeline of its held slots (``widgets/timeline.py``). The period moves by an hour (``[`` ``]``) or
a day (``{`` ``}``), ``.`` returns to now, ``z`` zooms between 6 hours and a day. ``enter`` on a
station dismisses the board with the station's id (the list then shows its reservations); on a
block it opens the reservation. ``F``/``R`` fault or restore the EVSE under the cursor, a fault
after its preview (``screens/fault.py``). Everything is read in thread workers and re-read on
every store change, cursor kept.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import Worker, WorkerState

from charge_tui.domain.board import FaultOutcome, HeldSlot, Period, faulted
from charge_tui.domain.errors import ChargeError
from charge_tui.domain.model import Station
from charge_tui.tui import keys
from charge_tui.tui.data import BoardPage, ConsoleData, StationKey
from charge_tui.tui.messages import StoreChanged
from charge_tui.tui.screens.fault import FaultScreen  # (the board is itself loaded on first use)
from charge_tui.tui.views import format_duration
from charge_tui.tui.widgets.timeline import EvseTimelines, Shown

#: Stations per page.
PAGE = 50
#: Wait this long after the station cursor stops before reading its timelines.
STATION_DELAY = 0.08


class PageLoaded(Message):
    def __init__(self, page: BoardPage, period: Period, select: str | None, at_end: bool) -> None:
        super().__init__()
        self.page = page
        self.period = period
        self.select = select
        self.at_end = at_end


class StationLoaded(Message):
    def __init__(self, station: Station, slots: list[HeldSlot], period: Period, now: int) -> None:
        super().__init__()
        self.shown = Shown(station, tuple(slots), period, now)


class EvseDone(Message):
    """A fault or restore ran (``outcome`` for a fault) or was refused (``error``)."""

    def __init__(
        self, action: str, evse_id: str, outcome: FaultOutcome | None, error: ChargeError | None
    ) -> None:
        super().__init__()
        self.action = action
        self.evse_id = evse_id
        self.outcome = outcome
        self.error = error


class StationTable(DataTable):
    """The board's station list; moving past either edge asks the screen for the next page."""

    BINDINGS = keys.STATIONS

    class Edge(Message):
        def __init__(self, forward: bool) -> None:
            super().__init__()
            self.forward = forward

    more_before = False
    more_after = False

    def action_cursor_down(self) -> None:
        if self.cursor_row >= self.row_count - 1 and self.more_after:
            self.post_message(self.Edge(True))
        else:
            super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.cursor_row <= 0 and self.more_before:
            self.post_message(self.Edge(False))
        else:
            super().action_cursor_up()

    def action_page_down(self) -> None:
        if self.more_after and self.cursor_row >= self.row_count - 1:
            self.post_message(self.Edge(True))
        else:
            super().action_page_down()

    def action_page_up(self) -> None:
        if self.more_before and self.cursor_row <= 0:
            self.post_message(self.Edge(False))
        else:
            super().action_page_up()


def utilisation_cell(share: float, width: int = 10) -> Text:
    filled = round(share * width)
    text = Text("█" * filled, style="bold")
    text.append("░" * (width - filled), style="dim")
    text.append(f" {share:4.0%}")
    return text


class BoardScreen(Screen[str | None]):
    CSS_PATH = "board.tcss"
    BINDINGS = keys.BOARD

    def __init__(self, data: ConsoleData, zone: tzinfo) -> None:
        super().__init__()
        self.data = data
        self.zone = zone
        self.period = Period.around(data.now())
        self.page: BoardPage | None = None
        self.shown: Shown | None = None
        self._station_timer: Timer | None = None
        self._busy = False
        #: The station and period whose timelines were last asked for.
        self._requested: tuple[str | None, Period] | None = None
        #: The last fault's or restore's outcome, shown until the cursor is moved.
        self._notice: Text | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="board-period")
        yield Static("Stations", id="stations-title")
        yield StationTable(id="stations", cursor_type="row", zebra_stripes=True)
        yield Static("", id="station-title", markup=False)
        yield EvseTimelines(self.zone, id="timelines")
        yield Static("", id="board-status", markup=False)
        yield Footer()

    @property
    def table(self) -> StationTable:
        return self.query_one(StationTable)

    @property
    def timelines(self) -> EvseTimelines:
        return self.query_one(EvseTimelines)

    def on_mount(self) -> None:
        t = self.table
        t.add_column("Station", key="name")
        t.add_column("Address", key="address")
        t.add_column("EVSEs", key="evses")
        t.add_column("Up", key="up")
        t.add_column("Out", key="out")
        t.add_column("Utilisation", key="use")
        t.focus()
        self.set_interval(30, self._show_period)
        self._show_period()
        self._load_page(None, None, False, None, False)

    # ------------------------------------------------------------------ reading
    @work(thread=True, exclusive=True, group="board-page", exit_on_error=False)
    def _load_page(
        self,
        after: StationKey | None,
        before: StationKey | None,
        inclusive: bool,
        select: str | None,
        at_end: bool,
    ) -> None:
        period = self.period
        page = self.data.board_page(
            period, after=after, before=before, inclusive=inclusive, limit=PAGE
        )
        self.post_message(PageLoaded(page, period, select, at_end))

    def _reload_page(self) -> None:
        """The same page again (from its first station), cursor on the same station."""
        page = self.page
        if page is None or not page.stations:
            self._load_page(None, None, False, None, False)
            return
        first = page.stations[0].station
        self._load_page((first.name, first.id), None, True, self._cursor_station_id(), False)

    @on(PageLoaded)
    def _page_loaded(self, message: PageLoaded) -> None:
        if message.period != self.period:
            return  # (a newer period's read is on its way)
        page = message.page
        self.page = page
        t = self.table
        t.more_before, t.more_after = page.more_before, page.more_after
        t.clear()
        for s in page.stations:
            t.add_row(
                s.station.name,
                s.station.address,
                str(s.evses),
                str(s.up),
                Text(str(s.faulted), style="bold red" if s.faulted else "dim"),
                utilisation_cell(s.utilisation),
                key=s.station.id,
            )
        ids = [s.station.id for s in page.stations]
        row = 0
        if message.select in ids:
            row = ids.index(message.select)
        elif message.at_end:
            row = max(0, len(ids) - 1)
        if ids:
            t.move_cursor(row=row)
        n = len(ids)
        self.query_one("#stations-title", Static).update(
            f"Stations {page.position + 1:,}–{page.position + n:,} of {page.total:,}, by name"
            if n
            else "No stations: add some with `charge-tui stations seed`."
        )
        self._load_station_now()  # no wait: the page itself was the user's wait

    def _cursor_station_id(self) -> str | None:
        page = self.page
        t = self.table
        if page is None or not page.stations or t.cursor_row < 0:
            return None
        return page.stations[min(t.cursor_row, len(page.stations) - 1)].station.id

    @on(DataTable.RowHighlighted, "#stations")
    def _station_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if self._requested != (self._cursor_station_id(), self.period):
            self._station_soon()

    def _station_soon(self) -> None:
        if self._station_timer is not None:
            self._station_timer.stop()
        self._station_timer = self.set_timer(STATION_DELAY, self._load_station_now)

    def _load_station_now(self) -> None:
        station_id = self._cursor_station_id()
        if station_id is not None:
            self._requested = (station_id, self.period)
            self._load_station(station_id, self.period)

    @work(thread=True, exclusive=True, group="board-station", exit_on_error=False)
    def _load_station(self, station_id: str, period: Period) -> None:
        station, slots = self.data.board_station(station_id, period)
        self.post_message(StationLoaded(station, slots, period, self.data.now()))

    @on(StationLoaded)
    def _station_loaded(self, message: StationLoaded) -> None:
        shown = message.shown
        if shown.period != self.period or shown.station.id != self._cursor_station_id():
            return
        self.shown = shown
        s = shown.station
        down = sum(1 for e in s.evses if faulted(e))
        title = f"{s.name} · {s.address} · {len(s.evses)} EVSEs"
        title += f", {down} out of order" if down else ", all up"
        self.query_one("#station-title", Static).update(title)
        self.timelines.show(shown)

    @on(StationTable.Edge)
    def _edge(self, message: StationTable.Edge) -> None:
        page = self.page
        if page is None or not page.stations:
            return
        if message.forward:
            last = page.stations[-1].station
            self._load_page((last.name, last.id), None, False, None, False)
        else:
            first = page.stations[0].station
            self._load_page(None, (first.name, first.id), False, None, True)

    @on(StoreChanged)
    def _store_changed(self, message: StoreChanged) -> None:
        self._show_period()
        self._reload_page()

    # ------------------------------------------------------------------ the period
    def _show_period(self) -> None:
        p = self.period
        fmt = "%a %d %b %H:%M"
        start = datetime.fromtimestamp(p.start, self.zone)
        end = datetime.fromtimestamp(p.end, self.zone)
        now = datetime.fromtimestamp(self.data.now(), self.zone)
        text = Text()
        text.append(f"{start.strftime(fmt)} → {end.strftime(fmt)}", style="bold")
        text.append(f" ({format_duration(p.span)})   now {now.strftime('%H:%M %Z')}")
        text.append("   [ ] ±1 h  { } ±1 day  . now  z zoom  tab stations/EVSEs", style="dim")
        self.query_one("#board-period", Static).update(text)

    def _set_period(self, period: Period) -> None:
        self.period = period
        self._show_period()
        self._reload_page()

    def action_shift(self, seconds: int) -> None:
        self._set_period(self.period.shifted(seconds))

    def action_now(self) -> None:
        self._set_period(Period.around(self.data.now(), self.period.span))

    def action_zoom(self) -> None:
        self._set_period(self.period.zoomed(self.data.now()))

    def action_switch(self) -> None:
        if self.table.has_focus:
            self.timelines.focus()
        else:
            self.table.focus()

    def action_back(self) -> None:
        self.dismiss(None)

    # ------------------------------------------------------------------ selection
    @on(DataTable.RowSelected, "#stations")
    def _station_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.dismiss(str(event.row_key.value))

    @on(EvseTimelines.Moved)
    def _timeline_moved(self, message: EvseTimelines.Moved) -> None:
        status = self.query_one("#board-status", Static)
        if self._notice is not None and not message.by_key:
            status.update(self._notice)  # a fault's or restore's outcome stays until a key moves
            return
        self._notice = None
        slot = self.timelines.selected_slot
        if slot is None:
            evse = self.timelines.evse_id
            status.update(
                f"{evse}: ←/→ pick a block, enter opens it; F fault, R restore" if evse else ""
            )
            return
        fmt = "%a %H:%M"
        start = datetime.fromtimestamp(slot.start, self.zone).strftime(fmt)
        end = datetime.fromtimestamp(slot.end, self.zone).strftime("%H:%M")
        status.update(
            f"{slot.reservation_id} · {slot.driver} · {start}–{end} · {slot.status.value}"
            " · enter: inspect"
        )

    @on(EvseTimelines.Open)
    def _open(self, message: EvseTimelines.Open) -> None:
        from charge_tui.tui.screens.inspect import InspectScreen

        self.app.push_screen(InspectScreen(self.data, self.zone, message.reservation_id))

    # ------------------------------------------------------------------ faults
    @on(EvseTimelines.EvseAction)
    def _evse_action(self, message: EvseTimelines.EvseAction) -> None:
        if self._busy:
            return
        self._busy = True
        if message.action == "fault":
            self._preview(message.evse_id)
        else:
            self._restore(message.evse_id)

    @work(thread=True, group="board-evse", exit_on_error=False)
    def _preview(self, evse_id: str) -> None:
        try:
            outcome = self.data.fault_preview(evse_id)
        except ChargeError as exc:
            self.post_message(EvseDone("fault", evse_id, None, exc))
            return
        self.app.call_from_thread(self._ask_fault, outcome)

    def _ask_fault(self, preview: FaultOutcome) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self._fault(preview.evse.id)
            else:
                self._busy = False

        self.app.push_screen(FaultScreen(preview, self.zone), answered)

    @work(thread=True, group="board-evse", exit_on_error=False)
    def _fault(self, evse_id: str) -> None:
        try:
            self.post_message(EvseDone("fault", evse_id, self.data.fault(evse_id), None))
        except ChargeError as exc:
            self.post_message(EvseDone("fault", evse_id, None, exc))

    @work(thread=True, group="board-evse", exit_on_error=False)
    def _restore(self, evse_id: str) -> None:
        try:
            self.data.restore(evse_id)
        except ChargeError as exc:
            self.post_message(EvseDone("restore", evse_id, None, exc))
            return
        self.post_message(EvseDone("restore", evse_id, None, None))

    @on(EvseDone)
    def _evse_done(self, message: EvseDone) -> None:
        self._busy = False
        status = self.query_one("#board-status", Static)
        if message.error is not None:
            e = message.error
            self._notice = Text(f"Refused ({e.code}): {e.message}", style="bold red")
            self.notify(e.message, title=f"Refused: {e.code}", severity="error", markup=False)
        elif message.outcome is not None:
            o = message.outcome
            text = f"{o.evse.id} is out of order: {len(o.moved)} moved, {len(o.failed)} failed."
            self._notice = Text(text, style="bold")
            self.notify(text, markup=False)
        else:
            text = f"{message.evse_id} is back in service."
            self._notice = Text(text, style="bold")
            self.notify(text, markup=False)
        status.update(self._notice)
        self._load_station_now()  # the EVSE's own row first, beside the page's utilisation
        self._reload_page()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A fault or restore that failed (the app shows the error): the keys work again."""
        if event.worker.group == "board-evse" and event.state in (
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self._busy = False
