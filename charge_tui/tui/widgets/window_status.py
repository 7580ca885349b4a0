"""The status line under the reservation list: sort, rows in view, search, loading."""

from __future__ import annotations

from charge_tui.store.listquery import SortKey, plan_search
from charge_tui.store.window import Window


def describe_window(w: Window, counts_total: int | None, loading: bool) -> str:
    """The status line under the list."""
    q = w.query
    arrow = "↓" if q.descending else "↑"
    parts = [f"sort: {SortKey(q.sort).label} {arrow}"]
    n = len(w.rows)
    where = []
    if not w.at_start:
        where.append("more above")
    if not w.at_end:
        where.append("more below")
    shown = f"{n:,} row{'' if n == 1 else 's'} in view"
    if counts_total is not None and not q.search:
        shown += f" of {counts_total:,}"
    parts.append(shown + (f" ({', '.join(where)})" if where else ""))
    if q.search:
        line = f"search {plan_search(q.search).label} “{q.search}”"
        if w.scanned:
            line += f" ({w.scanned:,} rows scanned)"
        parts.append(line)
    if loading:
        parts.append("loading…")
    return "  ·  ".join(parts)


def describe_empty(w: Window) -> str:
    """What an empty list says, for its query."""
    q = w.query
    what = f"{q.status.value} " if q.status else ""
    if q.search:
        more = f" (searched {w.scanned:,} rows so far…)" if not w.at_end and w.scanned else ""
        return f"No {what}reservations match “{q.search}”{more}."
    if q.status:
        return f"No {what}reservations."
    return "No reservations yet. Press n to create one."
