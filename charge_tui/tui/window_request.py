"""What the reservation list asks of the store: a window to open (first, last, around a
reservation), to extend (forward, backward) or to read again (refresh), and how it is read."""

from __future__ import annotations

from dataclasses import dataclass

from charge_tui.store.listquery import ListQuery
from charge_tui.store.window import Window
from charge_tui.tui.data import ConsoleData


@dataclass(frozen=True, slots=True)
class WindowRequest:
    kind: str  # first | last | around | forward | backward | refresh
    query: ListQuery
    base: Window | None = None
    target: str | None = None
    keep: str | None = None
    max_rows: int | None = None
    #: Rows to read for a first/last/around window (None: a page).
    limit: int | None = None


def read_window(d: ConsoleData, request: WindowRequest) -> Window | None:
    """Run ``request`` on the console's data door (blocking: called from a thread worker)."""
    q = request.query
    if request.kind == "first":
        w: Window | None = d.first(q, request.limit)
    elif request.kind == "last":
        w = d.last(q, request.limit)
    elif request.kind == "around":
        assert request.target is not None
        w = d.around(q, request.target, request.limit)
    elif request.kind == "forward":
        assert request.base is not None
        w = d.forward(request.base, request.max_rows)
    elif request.kind == "backward":
        assert request.base is not None
        w = d.backward(request.base, request.max_rows)
    else:
        assert request.base is not None
        w = d.refresh(request.base, request.keep, request.max_rows)
    if w is not None:
        d.name_stations(w.rows)
    return w
