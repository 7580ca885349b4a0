"""How the console list's window moves over the store: every function takes a connection and
returns a new :class:`~charge_tui.store.window.Window`; none reads more than a page (or a bounded scan, see
``store/listing.py``) from the store, and no window ever holds more than ``max_rows`` rows,
whatever the store size. No Textual here: the widget applies the result.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Connection

from charge_tui.domain.model import Reservation
from charge_tui.store import listing, window
from charge_tui.store.listquery import Cursor, ListQuery
from charge_tui.store.window import Window, from_first_page, from_last_page


def first(conn: Connection, q: ListQuery, limit: int | None = None) -> Window:
    return from_first_page(q, listing.forward(conn, q, limit=limit or window.PAGE))


def last(conn: Connection, q: ListQuery, limit: int | None = None) -> Window:
    return from_last_page(q, listing.backward(conn, q, limit=limit or window.PAGE))


def around(
    conn: Connection, q: ListQuery, reservation_id: str, limit: int | None = None
) -> Window | None:
    """A window with ``reservation_id`` in it (a few rows above it), or None if it does not
    match the query."""
    found = listing.matching(conn, q, [reservation_id]).get(reservation_id)
    if found is None:
        return None
    limit = limit or window.PAGE
    c = q.cursor_of(found)
    before = listing.backward(conn, q, c, limit=max(1, limit // 4))
    after = listing.forward(conn, q, c, inclusive=True, limit=limit)
    return Window(
        q,
        before.rows + after.rows,
        not before.more,
        not after.more,
        before.resume,
        after.resume,
        before.scanned + after.scanned,
    )


def forward(
    conn: Connection, w: Window, limit: int | None = None, max_rows: int | None = None
) -> Window:
    """One more page at the end; rows beyond ``max_rows`` are dropped from the top."""
    limit, max_rows = limit or window.PAGE, max_rows or window.MAX_ROWS
    if w.at_end:
        return w
    page = listing.forward(conn, w.query, w.tail, limit=limit)
    rows = _dedupe(w.rows + page.rows)
    out = replace(
        w, rows=rows, at_end=not page.more, tail=page.resume, scanned=w.scanned + page.scanned
    )
    if len(rows) > max_rows:
        kept = rows[len(rows) - max_rows :]
        out = replace(out, rows=kept, at_start=False, head=w.query.cursor_of(kept[0]))
    return out


def backward(
    conn: Connection, w: Window, limit: int | None = None, max_rows: int | None = None
) -> Window:
    """One more page at the top; rows beyond ``max_rows`` are dropped from the bottom."""
    limit, max_rows = limit or window.PAGE, max_rows or window.MAX_ROWS
    if w.at_start:
        return w
    page = listing.backward(conn, w.query, w.head, limit=limit)
    rows = _dedupe(page.rows + w.rows)
    out = replace(
        w, rows=rows, at_start=not page.more, head=page.resume, scanned=w.scanned + page.scanned
    )
    if len(rows) > max_rows:
        kept = rows[:max_rows]
        out = replace(out, rows=kept, at_end=False, tail=w.query.cursor_of(kept[-1]))
    return out


def refresh(
    conn: Connection, w: Window, keep: str | None = None, max_rows: int | None = None
) -> Window:
    """The same stretch of the order, read again: rows changed, new rows inside it (or above it
    when the window is at the start, below it when at the end), rows gone or moved out of it.

    Two reads: the range between the first and last row (through the order's index, at most
    ``max_rows`` + 1 rows, or a bounded scan for a substring search), and the window's own rows by
    primary key (which finds rows the bounded scan did not reach)."""
    max_rows = max_rows or window.MAX_ROWS
    q = w.query
    if not w.rows:
        return first(conn, q) if w.at_start or w.head is None else last(conn, q)
    lo = None if w.at_start else q.cursor_of(w.rows[0])
    hi = None if w.at_end else q.cursor_of(w.rows[-1])
    page = listing.forward(conn, q, lo, inclusive=True, limit=max_rows, until=hi)
    reread = listing.matching(conn, q, w.ids)
    merged = {r.id: r for r in reread.values() if _between(q, q.cursor_of(r), lo, hi)}
    merged.update({r.id: r for r in page.rows})
    rows = sorted(merged.values(), key=q.cursor_of, reverse=q.descending)
    out = replace(w, rows=tuple(rows))
    if page.more and hi is None and not page.scanned:
        # More rows than a window holds between the first row and the end of the order.
        out = replace(out, at_end=False, tail=q.cursor_of(rows[-1]))
    if len(rows) > max_rows:
        start = 0
        if keep is not None and (i := _index(rows, keep)) is not None and i >= max_rows:
            start = min(len(rows) - max_rows, max(0, i - max_rows // 3))
        kept = rows[start : start + max_rows]
        if start > 0:
            out = replace(out, at_start=False, head=q.cursor_of(kept[0]))
        if start + max_rows < len(rows):
            out = replace(out, at_end=False, tail=q.cursor_of(kept[-1]))
        out = replace(out, rows=tuple(kept))
    return out


def _dedupe(rows: tuple[Reservation, ...]) -> tuple[Reservation, ...]:
    seen: set[str] = set()
    out = []
    for r in rows:
        if r.id not in seen:
            seen.add(r.id)
            out.append(r)
    return tuple(out)


def _between(q: ListQuery, c: Cursor, lo: Cursor | None, hi: Cursor | None) -> bool:
    if q.descending:
        return (lo is None or c <= lo) and (hi is None or c >= hi)
    return (lo is None or c >= lo) and (hi is None or c <= hi)


def _index(rows: list[Reservation], rid: str) -> int | None:
    for i, r in enumerate(rows):
        if r.id == rid:
            return i
    return None
