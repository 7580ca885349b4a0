"""The start screen: the live list of reservations, counts per status, filter, search, sort."""

from __future__ import annotations

from datetime import tzinfo

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
from charge_tui.tui.messages import StoreChanged
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


class ListScreen(Screen):
    BINDINGS = keys.LIST

    def __init__(self, data: ConsoleData, zone: tzinfo) -> None:
        super().__init__()
        self.data = data
        self.zone = zone
        self.counts: dict[Status, int] | None = None
        self._search_timer: Timer | None = None
        self._counting = False
        self._count_again = False
        self._status_text = ""
        self._bindings_state: tuple[bool | None, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield CountsBar(id="counts")
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

    def on_screen_resume(self) -> None:
        if self.list.table.row_count or self.counts is not None:
            self.list.live_refresh()
            self._load_counts()

    # ------------------------------------------------------------------ live data
    @on(StoreChanged)
    def _store_changed(self, message: StoreChanged) -> None:
        self.list.live_refresh()
        self._load_counts()

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
        if event.worker.group == "counts" and event.state in (
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self._counting = False

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
        text = describe_window(lst.window, total, lst.loading)
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
