"""The console list's window: the few hundred rows its table holds (how it moves: ``paging.py``).

A :class:`Window` is an immutable snapshot: rows in display order plus where to continue in each
direction. This module imports no SQLAlchemy, so the list can be built before the store layer is
loaded (the console's first screen).
"""

from __future__ import annotations

from dataclasses import dataclass

from charge_tui.domain.model import Reservation
from charge_tui.store.listquery import Cursor, ListPage, ListQuery

#: Rows fetched per step.
PAGE = 100
#: Most rows a window holds.
MAX_ROWS = 300


@dataclass(frozen=True, slots=True)
class Window:
    query: ListQuery
    rows: tuple[Reservation, ...] = ()
    #: The first row is the first of the order (new rows can appear above it).
    at_start: bool = True
    #: The last row is the last of the order.
    at_end: bool = True
    #: Where to continue backwards (None when at_start).
    head: Cursor | None = None
    #: Where to continue forwards (None when at_end).
    tail: Cursor | None = None
    #: Rows tested by bounded scans to build this window (0 when indexes answered).
    scanned: int = 0

    def index_of(self, reservation_id: str) -> int | None:
        for i, r in enumerate(self.rows):
            if r.id == reservation_id:
                return i
        return None

    @property
    def ids(self) -> list[str]:
        return [r.id for r in self.rows]


def from_first_page(q: ListQuery, page: ListPage) -> Window:
    """The window a first page makes (the start of the order)."""
    return Window(q, page.rows, True, not page.more, None, page.resume, page.scanned)


def from_last_page(q: ListQuery, page: ListPage) -> Window:
    """The window a last page makes (the end of the order)."""
    return Window(q, page.rows, not page.more, True, page.resume, None, page.scanned)
