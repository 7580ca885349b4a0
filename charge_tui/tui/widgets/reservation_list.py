"""The live list of reservations: a DataTable that holds one window of the store.

The table never holds more than ``window.MAX_ROWS`` rows. Scrolling near either edge of the window
fetches the next page from SQL (keyset on an indexed order) and drops rows from the other edge;
``end`` reads the last page directly. Every store read runs in a thread worker; its result comes
back as a message and is applied as a keyed diff (``update_cell`` where a cell changed,
``add_row``/``remove_row`` for rows that came or went, a sort when the order changed), keeping the
cursor on the same reservation.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import tzinfo

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState, get_current_worker

from charge_tui.domain.model import Reservation
from charge_tui.store import window as win
from charge_tui.store.listquery import ListQuery
from charge_tui.store.window import Window
from charge_tui.tui import keys
from charge_tui.tui.data import ConsoleData
from charge_tui.tui.views import COLUMNS, RowView, column_widths, diff_rows, row_view
from charge_tui.tui.widgets.painted_table import PaintedTable
from charge_tui.tui.widgets.window_status import describe_empty, describe_window
from charge_tui.tui.window_request import WindowRequest, read_window

COLUMN_KEYS = tuple(c[0] for c in COLUMNS)
#: A diff removing more rows than this rebuilds the table instead (see ``_apply``).
REBUILD_AFTER = 16
#: A new window reads at least this many rows first (see ``_first_rows``).
FIRST_ROWS = 40


class ReservationTable(PaintedTable):
    """The table itself; ``home``/``end`` go to the ends of the store, not of the window."""

    BINDINGS = keys.TABLE

    def action_first(self) -> None:
        self.post_message(ReservationList.JumpRequested(to_end=False))

    def action_last(self) -> None:
        self.post_message(ReservationList.JumpRequested(to_end=True))

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if int(old) != int(new):
            self.post_message(ReservationList.Scrolled())


class ReservationList(Vertical):
    """Owns the window and the table; the screen tells it what to show."""

    class JumpRequested(Message):
        def __init__(self, to_end: bool) -> None:
            super().__init__()
            self.to_end = to_end

    class Scrolled(Message):
        pass

    class WindowLoaded(Message):
        def __init__(self, request: WindowRequest, generation: int, window: Window | None) -> None:
            super().__init__()
            self.request = request
            self.generation = generation
            self.window = window

    class Changed(Message):
        """The window or the highlighted row changed (the screen updates its status line)."""

        def __init__(self, window: Window, loading: bool) -> None:
            super().__init__()
            self.window = window
            self.loading = loading

    class NotFound(Message):
        """A reservation to select does not match the query (the screen may clear filters)."""

        def __init__(self, reservation_id: str) -> None:
            super().__init__()
            self.reservation_id = reservation_id

    class Opened(Message):
        """A row was chosen (enter or a click)."""

        def __init__(self, reservation_id: str) -> None:
            super().__init__()
            self.reservation_id = reservation_id

    def __init__(self, data: ConsoleData, zone: tzinfo | None = None, **kw) -> None:
        super().__init__(**kw)
        self.data = data
        self.zone = zone
        self.window = Window(ListQuery())
        self._views: list[RowView] = []
        self._generation = 0
        self._loading = False
        self._refresh_wanted = False
        # Rows applied and not yet on screen: no page is read around them until they are (the
        # ``call_after_paint`` of the last load, numbered ``_paint_token``, clears it).
        self._awaiting_paint = False
        self._paint_token = 0
        self._widths: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        yield ReservationTable(id="reservations")
        yield Static("", id="list-empty", markup=False)

    @property
    def table(self) -> ReservationTable:
        return self.query_one(ReservationTable)

    def on_mount(self) -> None:
        self._set_columns(self.size.width or 120)

    def on_resize(self) -> None:
        widths = column_widths(max(40, self.size.width - 2))
        if widths != self._widths:
            self._set_columns(self.size.width)

    def _set_columns(self, width: int, *, force: bool = False) -> None:
        table = self.table
        widths = column_widths(max(40, width - 2))
        if widths == self._widths and not force:
            return
        self._widths = widths
        key = self.highlighted_id
        table.clear(columns=True)
        for col_key, title, _m, _s in COLUMNS:
            if col_key in widths:
                table.add_column(title, key=col_key, width=widths[col_key])
        for rv in self._views:
            table.add_row(*self._cells(rv), key=rv.key)
        if key is not None:
            self._move_to(key)

    def _cells(self, rv: RowView) -> list:
        """The row's cells for the columns shown."""
        return [c for key, c in zip(COLUMN_KEYS, rv.cells, strict=True) if key in self._widths]

    # ------------------------------------------------------------------ state
    @property
    def query_state(self) -> ListQuery:
        return self.window.query

    @property
    def highlighted_id(self) -> str | None:
        table = self.table
        if not self._views or table.row_count == 0:
            return None
        row = table.cursor_row
        if 0 <= row < table.row_count:
            return str(table.coordinate_to_cell_key((row, 0)).row_key.value)
        return None

    @property
    def highlighted(self) -> Reservation | None:
        rid = self.highlighted_id
        if rid is None:
            return None
        i = self.window.index_of(rid)
        return self.window.rows[i] if i is not None else None

    @property
    def loading(self) -> bool:
        return self._loading

    # ------------------------------------------------------------------ commands
    def show(self, query: ListQuery, select: str | None = None) -> None:
        """Show ``query`` from its first row (or around ``select``)."""
        self._generation += 1
        self.window = Window(query)
        if select is not None:
            self._start(WindowRequest("around", query, target=select))
        else:
            self._start(WindowRequest("first", query))

    def jump(self, to_end: bool) -> None:
        self._generation += 1
        self._start(WindowRequest("last" if to_end else "first", self.window.query))

    def select(self, reservation_id: str) -> None:
        if self.window.index_of(reservation_id) is not None:
            self._move_to(reservation_id, scroll=True)
            return
        self._generation += 1
        self._start(WindowRequest("around", self.window.query, target=reservation_id))

    def live_refresh(self) -> None:
        """The store changed: read the window again (coalesced with a load in flight)."""
        if self._loading:
            self._refresh_wanted = True
            return
        self._start(
            WindowRequest("refresh", self.window.query, base=self.window, keep=self.highlighted_id)
        )

    # ------------------------------------------------------------------ loading
    def _start(self, request: WindowRequest) -> None:
        if self.is_mounted:
            request = replace(request, max_rows=self._limits()[1])
            if request.kind in ("first", "last", "around"):
                # A new window reads a screenful (and a margin) first, so that it shows as soon
                # as possible; the pages around it follow in the background (_maybe_extend).
                request = replace(request, limit=self._first_rows())
        self._loading = True
        self._refresh_wanted = self._refresh_wanted and request.kind != "refresh"
        opening = self.data.take_opening(request.query) if request.kind == "first" else None
        if opening is not None:
            # Read before the app started (ConsoleData.prefetch_opening): no worker to wait for.
            self.post_message(self.WindowLoaded(request, self._generation, opening))
            return
        self.post_message(self.Changed(self.window, True))
        self._load(request, self._generation)

    @work(thread=True, exclusive=True, group="list-window", exit_on_error=False)
    def _load(self, request: WindowRequest, generation: int) -> None:
        w = read_window(self.data, request)
        if not get_current_worker().is_cancelled:
            self.post_message(self.WindowLoaded(request, generation, w))

    @on(WindowLoaded)
    def _loaded(self, message: WindowLoaded) -> None:
        message.stop()
        req = message.request
        stale = message.generation != self._generation or (
            req.base is not None and req.base is not self.window
        )
        self._loading = False
        if stale:
            # A newer request replaced this one (its own result will come) or the window moved
            # meanwhile: read again from the current window.
            if message.generation == self._generation:
                self._refresh_wanted = True
            self._after_load()
            return
        if message.window is None:
            self.post_message(self.NotFound(req.target or ""))
            self.post_message(self.Changed(self.window, False))
            return
        focus = None
        if req.kind == "around":
            focus = req.target
        elif req.kind == "first":
            focus = "@first"
        elif req.kind == "last":
            focus = "@last"
        self._apply(message.window, focus)
        self._after_load(new_window=focus is not None)

    def _after_load(self, new_window: bool = False) -> None:
        if self._refresh_wanted:
            self._refresh_wanted = False
            self.live_refresh()
            return
        self.post_message(self.Changed(self.window, False))
        if new_window:
            self._extend_when_painted()
        else:
            # A page added at an edge or a live update: what is on screen barely changed (a page
            # lands outside the viewport and may repaint nothing), so the next page is not
            # held back for a frame.
            self.call_after_refresh(self._maybe_extend)

    def _extend_when_painted(self) -> None:
        """Read the pages around a new window (a jump, a new filter, search or sort) only once
        its rows are on screen: a page applied before that frame would compete with it for the
        interpreter and hold it back (docs/performance.md)."""
        self._awaiting_paint = True
        self._paint_token += 1
        token = self._paint_token

        def painted() -> None:
            if token == self._paint_token:
                self._awaiting_paint = False
                self._maybe_extend()

        self.table.call_after_paint(painted)

    def _limits(self) -> tuple[int, int]:
        """(margin, max rows): fetch when the cursor or the viewport is within ``margin`` rows of
        an edge of the window; hold at most ``max rows`` (enough for a few screens, so that a
        page added at one edge never brings the other edge within the margin)."""
        visible = max(1, self.table.size.height - 1)
        max_rows = max(win.MAX_ROWS, win.PAGE + 4 * visible)
        margin = min(visible + 5, (max_rows - win.PAGE) // 2 - 1)
        return max(1, margin), max_rows

    def _first_rows(self) -> int:
        """Rows a new window starts with: the visible rows and a margin, at most a page."""
        visible = max(1, self.table.size.height - 1)
        return min(win.PAGE, max(FIRST_ROWS, visible + visible // 2))

    def _maybe_extend(self) -> None:
        """Fetch the next page when the cursor or the viewport gets near an edge of the window."""
        if self._loading or self._awaiting_paint or not self.is_mounted:
            return
        w = self.window
        table = self.table
        n = len(w.rows)
        margin, max_rows = self._limits()
        visible = max(1, table.size.height - 1)
        top = int(table.scroll_y)
        bottom = top + visible
        cursor = table.cursor_row if n else 0
        # A page more at one edge drops rows at the other edge, never the cursor's row (the
        # viewport can lag behind the cursor after a jump and must not pull the window away).
        cursor_survives_forward = cursor >= n + win.PAGE - max_rows
        cursor_survives_backward = cursor + win.PAGE < max_rows
        if (
            not w.at_end
            and (n == 0 or cursor >= n - margin or bottom >= n - margin // 2)
            and (n == 0 or cursor_survives_forward)
        ):
            self._start(WindowRequest("forward", w.query, base=w))
        elif (
            not w.at_start
            and (cursor < margin or top < margin // 2)
            and (cursor_survives_backward or cursor < margin)
        ):
            self._start(WindowRequest("backward", w.query, base=w))

    # ------------------------------------------------------------------ applying
    def _apply(self, w: Window, focus: str | None) -> None:
        table, name = self.table, self.data.station_name
        old_key = self.highlighted_id
        old_index = table.cursor_row if old_key is not None else 0
        old_scroll = table.scroll_y
        new_views = [row_view(r, self.zone, name(r.charging_station)) for r in w.rows]
        diff = diff_rows(self._views, new_views)
        with self.app.batch_update():
            if len(diff.removed) > REBUILD_AFTER:
                # DataTable.remove_row costs O(rows) each: a new query or a jump replaces most
                # rows, and rebuilding is then far cheaper than removing them one by one.
                table.clear()
                for rv in new_views:
                    table.add_row(*self._cells(rv), key=rv.key)
            else:
                for key in diff.removed:
                    table.remove_row(key)
                for key, col, value in diff.changed:
                    if COLUMN_KEYS[col] in self._widths:
                        table.update_cell(key, COLUMN_KEYS[col], value)
                for rv in diff.added:
                    table.add_row(*self._cells(rv), key=rv.key)
                if diff.order is not None:
                    rank = {k: i for i, k in enumerate(diff.order)}
                    table.sort("id", key=lambda rid: rank[rid])
        self._views = new_views
        self.window = w
        self.query_one("#list-empty", Static).display = not new_views
        if not new_views:
            self._show_empty(w)
            return
        if focus == "@first":
            table.move_cursor(row=0, animate=False, scroll=False)
            table.scroll_to(y=0, animate=False)
            return
        if focus == "@last":
            table.move_cursor(row=len(new_views) - 1, animate=False, scroll=True)
            self.call_after_refresh(table.scroll_end, animate=False)
            return
        if focus is not None:
            self._move_to(focus, scroll=True)
            return
        # Live update or a page more: keep the cursor on the same reservation, and keep the rows
        # on screen where they were, except at the very top of a live list (new rows show there).
        # A cursor left on the first row follows the top, like ``tail -f``: it stays on the
        # newest reservation.
        follow_top = w.at_start and old_index == 0 and old_scroll < 1
        index = w.index_of(old_key) if old_key is not None and not follow_top else None
        if index is None:
            index = 0 if follow_top else min(old_index, len(new_views) - 1)
        shift = index - old_index
        table.move_cursor(row=index, animate=False, scroll=False)
        if shift and not (w.at_start and old_scroll < 1):
            target = max(0, old_scroll + shift)
            self.call_after_refresh(table.scroll_to, y=target, animate=False, force=True)
        self.call_after_refresh(self._ensure_cursor_visible)

    def _ensure_cursor_visible(self) -> None:
        table = self.table
        if table.row_count:
            row = table.cursor_row
            top = int(table.scroll_y)
            visible = max(1, table.size.height - 1)
            if not top <= row < top + visible:
                table.move_cursor(row=row, animate=False, scroll=True)

    def _move_to(self, reservation_id: str, scroll: bool = True) -> None:
        i = self.window.index_of(reservation_id)
        if i is not None and i < self.table.row_count:
            self.table.move_cursor(row=i, animate=False, scroll=scroll)

    def _show_empty(self, w: Window) -> None:
        self.query_one("#list-empty", Static).update(describe_empty(w))

    def restyle(self) -> None:
        """Repaint every row (the theme's status colours changed)."""
        name = self.data.station_name
        self._views = [row_view(r, self.zone, name(r.charging_station)) for r in self.window.rows]
        self._set_columns(self.size.width or 120, force=True)

    # ------------------------------------------------------------------ events
    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        # Not stopped: the app's handler shows the error. The list stays usable (the next
        # change or key press loads again).
        if event.worker.group == "list-window" and event.state in (
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self._loading = False
            self.post_message(self.Changed(self.window, False))

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Changed(self.window, self._loading))
        self._maybe_extend()

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Opened(str(event.row_key.value)))

    @on(Scrolled)
    def _scrolled(self, event: Scrolled) -> None:
        event.stop()
        self._maybe_extend()

    @on(JumpRequested)
    def _jump(self, event: JumpRequested) -> None:
        event.stop()
        self.jump(event.to_end)


__all__ = ["ReservationList", "ReservationTable", "describe_window"]
