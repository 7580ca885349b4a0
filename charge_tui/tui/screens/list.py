"""The start screen: the live list of reservations, counts per status, filter, search, sort."""

from __future__ import annotations

import time
from datetime import tzinfo
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, Static
from textual.worker import Worker, WorkerState

from charge_tui.domain.enums import Action, Status
from charge_tui.store.listquery import ListQuery, SortKey
from charge_tui.tui import keys
from charge_tui.tui.actions import ActionDone, ActionRequest, consequence, perform
from charge_tui.tui.data import ConsoleData
from charge_tui.tui.messages import Restyled, StoreChanged
from charge_tui.tui.screens.confirm import ConfirmScreen
from charge_tui.tui.widgets.counts_bar import CountsBar
from charge_tui.tui.widgets.reservation_list import ReservationList
from charge_tui.tui.widgets.window_status import describe_window

SORT_CYCLE = (SortKey.CREATED, SortKey.PREFERRED, SortKey.UPDATED)
SEARCH_DELAY = 0.3


class CountsLoaded(Message):
    """Counts per status read by a worker."""

    def __init__(self, counts: dict[Status, int]) -> None:
        super().__init__()
        self.counts = counts


class ExportProgress(Message):
    """Rows written so far by the export worker (``done`` at the end)."""

    def __init__(self, path: Path, rows: int, done: bool = False) -> None:
        super().__init__()
        self.path = path
        self.rows = rows
        self.done = done


#: The KPI strip is on at start when the terminal has at least this many rows.
KPI_MIN_HEIGHT = 30


class ListScreen(Screen):
    BINDINGS = keys.LIST

    def __init__(self, data: ConsoleData, zone: tzinfo, kpi_period: str = "hour") -> None:
        super().__init__()
        self.data = data
        self.zone = zone
        self.kpi_period = kpi_period
        #: The KPI strip is shown when the terminal is tall enough, until ``k`` hides it.
        self.kpis_wanted: bool | None = None
        self.counts: dict[Status, int] | None = None
        self._search_timer: Timer | None = None
        self._counting = False
        self._count_again = False
        self._status_text = ""
        self._export_note = ""
        self._bindings_state: tuple[bool | None, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield CountsBar(self.data, id="counts")
        with Horizontal(id="search-bar"):
            yield Static("/", id="search-label")
            yield Input(
                placeholder="search: id, driver, vehicle, station name, metadata (key=value)…",
                id="search",
                compact=True,
            )
        yield ReservationList(self.data, self.zone, id="list")
        yield Static("", id="list-status", markup=False)
        yield Footer()

    @property
    def list(self) -> ReservationList:
        return self.query_one(ReservationList)

    def on_mount(self) -> None:
        self.list.show(ListQuery())
        self.list.table.focus()
        self._load_counts()
        # The KPI strip needs the store layer: when the store is opened late (after the first
        # paint), it waits for it (so does the at-risk count: ``CountsBar``).
        if self.data.is_open:
            self._kpis_when_open()
        else:
            self.set_timer(1.0, self._kpis_when_open)

    # ------------------------------------------------------------------ KPI strip
    def _kpis_when_open(self) -> None:
        """Mount the strip once the store is open (its import and reads are not for the first
        paint), if the terminal is tall enough."""
        if not self.data.is_open:
            self.set_timer(0.5, self._kpis_when_open)
            return
        if self.kpis_wanted is None:
            self.kpis_wanted = self.app.size.height >= KPI_MIN_HEIGHT
        if self.kpis_wanted:
            self._show_kpis()

    def _show_kpis(self) -> None:
        from charge_tui.tui.widgets.kpi_strip import KpiStrip

        if not self.query(KpiStrip):
            self.mount(KpiStrip(self.data, self.kpi_period, id="kpis"), after="#counts")

    def _strip(self):
        from charge_tui.tui.widgets.kpi_strip import KpiStrip

        found = self.query(KpiStrip)
        return found.first() if found else None

    def action_kpis(self) -> None:
        strip = self._strip()
        if strip is not None:
            self.kpis_wanted = False
            strip.remove()
        else:
            self.kpis_wanted = True
            self._show_kpis()

    def action_kpi_period(self) -> None:
        strip = self._strip()
        if strip is None:
            self.kpis_wanted = True
            self._show_kpis()
            return
        strip.cycle_period()
        self.kpi_period = strip.period

    @on(CountsBar.RiskPicked)
    def _risk_picked(self, message: CountsBar.RiskPicked) -> None:
        self.action_at_risk()

    def action_at_risk(self) -> None:
        from charge_tui.tui.screens.atrisk import AtRiskScreen

        self.app.push_screen(AtRiskScreen(self.data, self.zone))

    def on_screen_resume(self) -> None:
        if self.list.table.row_count or self.counts is not None:
            self.list.live_refresh()
            self._load_counts()

    # ------------------------------------------------------------------ live data
    @on(StoreChanged)
    def _store_changed(self, message: StoreChanged) -> None:
        self.list.live_refresh()
        self._load_counts()
        self.query_one(CountsBar).count_risk()
        strip = self._strip() if self.kpis_wanted else None
        if strip is not None:
            strip.refresh_kpis()

    @on(Restyled)
    def _restyled(self, message: Restyled) -> None:
        self.list.restyle()
        self.query_one(CountsBar).update_counts(self.counts, self.list.query_state.status)

    def _load_counts(self) -> None:
        if self._counting:
            self._count_again = True
            return
        self._counting = True
        self._count_worker()

    @work(thread=True, exclusive=True, group="counts", exit_on_error=False)
    def _count_worker(self) -> None:
        self.post_message(CountsLoaded(self.data.counts()))

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        # Not stopped: the app's handler shows the error.
        if event.state not in (WorkerState.ERROR, WorkerState.CANCELLED):
            return
        if event.worker.group == "counts":
            self._counting = False
        elif event.worker.group == "export":
            self._export_note = "  ·  export failed"
            self._update_status()

    @on(CountsLoaded)
    def _counts_loaded(self, message: CountsLoaded) -> None:
        self._counting = False
        self.counts = message.counts
        self.query_one(CountsBar).update_counts(message.counts, self.list.query_state.status)
        self._update_status()
        if self._count_again:
            self._count_again = False
            self._load_counts()

    @on(ReservationList.Changed)
    def _list_changed(self, message: ReservationList.Changed) -> None:
        self._update_status()
        # The footer is rebuilt only when what the keys can do changed (not on every cursor move).
        state = (
            self.check_action("cancel", ()),
            self.check_action("clear", ()),
        )
        if state != self._bindings_state:
            self._bindings_state = state
            self.refresh_bindings()

    def _update_status(self) -> None:
        lst = self.list
        q = lst.query_state
        total = None
        if self.counts is not None:
            total = self.counts.get(q.status, 0) if q.status else sum(self.counts.values())
        text = describe_window(lst.window, total, lst.loading) + self._export_note
        if text != self._status_text:
            self._status_text = text
            self.query_one("#list-status", Static).update(text)

    @on(ReservationList.Opened)
    def _opened(self, message: ReservationList.Opened) -> None:
        self._inspect(message.reservation_id)

    @on(ReservationList.NotFound)
    def _not_found(self, message: ReservationList.NotFound) -> None:
        q = self.list.query_state
        if q.status is not None or q.search:
            # The reservation to show is hidden by the filters: clear them and show it.
            self.query_one("#search", Input).value = ""
            self._set_query(ListQuery(sort=q.sort, descending=q.descending), message.reservation_id)
        else:
            self.notify(
                f"{message.reservation_id} is not in the store.", severity="warning", markup=False
            )

    @on(CountsBar.Picked)
    def _picked(self, message: CountsBar.Picked) -> None:
        self.action_filter(message.status.value if message.status else "all")

    # ------------------------------------------------------------------ query
    def _set_query(self, q: ListQuery, select: str | None = None) -> None:
        self.list.show(q, select=select)
        self.query_one(CountsBar).update_counts(self.counts, q.status)
        self._update_status()

    def select_reservation(self, reservation_id: str) -> None:
        self.list.select(reservation_id)
        self.list.table.focus()

    def action_filter(self, status: str) -> None:
        q = self.list.query_state
        new = None if status == "all" else Status(status)
        self._set_query(ListQuery(new, q.search, q.sort, q.descending))
        self.list.table.focus()

    def action_sort(self) -> None:
        q = self.list.query_state
        nxt = SORT_CYCLE[(SORT_CYCLE.index(q.sort) + 1) % len(SORT_CYCLE)]
        self._set_query(ListQuery(q.status, q.search, nxt, q.descending))
        self.notify(f"Sorted by {nxt.label}", timeout=1.5)

    def action_reverse(self) -> None:
        q = self.list.query_state
        self._set_query(ListQuery(q.status, q.search, q.sort, not q.descending))

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_clear(self) -> None:
        search = self.query_one("#search", Input)
        q = self.list.query_state
        if search.has_focus:
            if search.value:
                search.value = ""
            self.list.table.focus()
            return
        if q.search or q.status is not None:
            search.value = ""
            self._set_query(ListQuery(sort=q.sort, descending=q.descending))

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def on_descendant_blur(self) -> None:
        self.refresh_bindings()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY, self._apply_search)

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._apply_search()
        self.list.table.focus()

    def _apply_search(self) -> None:
        text = self.query_one("#search", Input).value.strip()
        q = self.list.query_state
        if text != q.search:
            self._set_query(ListQuery(q.status, text, q.sort, q.descending))

    # ------------------------------------------------------------------ actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            r = self.list.highlighted
            if r is None or Action.CANCEL not in self.data.allowed(r):
                return None
        if action == "clear":
            q = self.list.query_state
            search = self.query("#search")
            searching = bool(search) and search.first(Input).has_focus
            return searching or q.status is not None or bool(q.search)
        return True

    def action_new(self) -> None:
        from charge_tui.tui.screens.create import CreateScreen

        def created(reservation_id: str | None) -> None:
            if reservation_id:
                self.select_reservation(reservation_id)

        self.app.push_screen(CreateScreen(self.data, self.zone), created)

    def action_board(self) -> None:
        from charge_tui.tui.screens.board import BoardScreen

        def chosen(station_id: str | None) -> None:
            if station_id:
                # The station's reservations: its id is an indexed prefix search.
                self.query_one("#search", Input).value = station_id
                self._apply_search()
                self.list.table.focus()

        self.app.push_screen(BoardScreen(self.data, self.zone), chosen)

    def _inspect(self, reservation_id: str) -> None:
        from charge_tui.tui.screens.inspect import InspectScreen

        self.app.push_screen(InspectScreen(self.data, self.zone, reservation_id))

    def action_copy(self, what: str) -> None:
        r = self.list.highlighted
        if r is None:
            return
        if what == "id":
            self.app.copy_to_clipboard(r.id)
            self.notify(f"Copied {r.id}", timeout=2, markup=False)
            return
        from charge_tui.domain.api import reservation_to_api
        from charge_tui.domain.text import json_text

        self.app.copy_to_clipboard(json_text(reservation_to_api(r), indent=2))
        self.notify(f"Copied the API JSON of {r.id}", timeout=2, markup=False)

    def action_export(self) -> None:
        from charge_tui.tui.screens.export import ExportScreen

        q = self.list.query_state
        what = f"{q.status.value} reservations" if q.status else "All reservations"
        if q.search:
            what += f" matching “{q.search}”"
        what += f", {q.sort.label} order"
        stamp = time.strftime("%Y%m%d-%H%M%S")
        name = f"reservations-{q.status.value if q.status else 'all'}-{stamp}.csv"

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.notify(f"Exporting to {path}…", timeout=3, markup=False)
                self._export_note = "  ·  exporting…"
                self._update_status()
                self._export(q, path)

        self.app.push_screen(ExportScreen(what, name, Path.cwd()), chosen)

    @work(thread=True, group="export", exit_on_error=False)
    def _export(self, q: ListQuery, path: Path) -> None:
        n = self.data.export(q, path, lambda k: self.post_message(ExportProgress(path, k)))
        self.post_message(ExportProgress(path, n, done=True))

    @on(ExportProgress)
    def _export_progress(self, message: ExportProgress) -> None:
        if message.done:
            self._export_note = ""
            self.notify(f"Exported {message.rows:,} reservations to {message.path}", markup=False)
        else:
            self._export_note = f"  ·  exporting: {message.rows:,} rows written"
        self._update_status()

    def action_cancel(self) -> None:
        r = self.list.highlighted
        if r is None or Action.CANCEL not in self.data.allowed(r):
            return
        body = consequence(r, Action.CANCEL, self.data.now())

        def answered(yes: bool | None) -> None:
            if yes:
                self._act(ActionRequest(r.id, Action.CANCEL, r.version, {}))

        self.app.push_screen(ConfirmScreen(f"Cancel {r.id}?", body, yes="Cancel it"), answered)

    @work(thread=True, group="actions", exit_on_error=False)
    def _act(self, request: ActionRequest) -> None:
        self.post_message(perform(self.data, request))

    @on(ActionDone)
    def _action_done(self, message: ActionDone) -> None:
        if message.error is not None:
            self.notify(
                f"{message.error.message} ({message.error.code})",
                title="Refused",
                severity="error",
                timeout=6,
                markup=False,
            )
        elif message.result is not None:
            self.notify(f"{message.result.id} is now {message.result.status.value}.", markup=False)
        self.list.live_refresh()
        self._load_counts()
