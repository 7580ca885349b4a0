"""The console's list queries: one window of reservations at a time, never the whole store.

Every query here costs what it returns, not what the store holds:

- **Order**: newest first by ``created`` (or by ``preferred_start_time`` or ``updated``), either
  direction, always with ``id`` as the tie-breaker. Each order, overall and per status, has an index
  on ``([status,] sort value, id)`` (see ``tables.py``), so a page is a keyset range read:
  ``WHERE (value, id) < (:value, :id) ORDER BY value DESC, id DESC LIMIT :n``. Never ``OFFSET``.
- **The other end** (``end`` key): the same keyset query with the order reversed, then flipped in
  Python, so the last page costs what the first one does.
- **Counts** per status: ``count(*)`` over the ``(status, created, id)`` index range of each
  status, except the one that was largest last time, which is the total (counted on the smallest
  index) minus the others.
- **Search** (:func:`plan_search`), three kinds:

  * an exact reservation id (``rsv_`` + 24 characters) is a primary-key look-up;
  * text that starts like an id (``rsv_``, ``drv_``, ``veh_``, ``sta_``, ``evse_``) is a prefix
    range on that column's index. If at most :data:`INDEXED_MATCH_LIMIT` rows start so, the page is
    read through that index and sorted (at most that many rows); if more match, the search is a
    bounded scan (below), which finds dense matches quickly;
  * anything else (a name in the metadata, ``key=value``, a fragment of an id) is a substring
    match over id, driver, vehicle, station, EVSE and metadata. No index serves a substring, so it
    is a **bounded scan**: it walks the current order's index in chunks of :data:`SCAN_CHUNK` rows,
    testing the predicate in SQL, and stops after :data:`SCAN_BUDGET` rows even if the page is not
    full. The page then says where the scan stopped (:attr:`ListPage.resume`) and the console
    continues from there when the user scrolls on. One fetch never reads more than
    :data:`SCAN_BUDGET` rows, whatever the store size.

- **Change detection**: :func:`change_token` reads ``max(seq)`` of the append-only event log
  (its primary key) and ``max(updated)`` (indexed): two index look-ups. Every change to a
  reservation appends an event, so a different token means something changed.

Pure SQL over SQLAlchemy Core; returns immutable domain objects. No UI here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Select,
    and_,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
)

from charge_tui.domain.codec import RESERVATION
from charge_tui.domain.enums import EvseStatus, Status
from charge_tui.domain.model import Reservation
from charge_tui.store import tables as t
from charge_tui.store.listquery import (
    Cursor,
    ListPage,
    ListQuery,
    SearchPlan,
    SortKey,
    _pair_text,
    _prefix_upper,
    plan_search,
    row_matches,
)

R = t.reservations

#: A bounded scan tests this many rows per SQL statement...
SCAN_CHUNK = 5_000
#: ...and at most this many rows per fetch.
SCAN_BUDGET = 50_000
#: A prefix search matching at most this many rows is read through the column's index.
INDEXED_MATCH_LIMIT = 2_000


# ------------------------------------------------------------------------------ search


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_predicate(plan: SearchPlan) -> ColumnElement[bool]:
    if plan.kind == "none":
        return true()
    if plan.kind == "id":
        return R.c.id == plan.text
    if plan.kind == "prefix":
        col = R.c[plan.column]
        return and_(col >= plan.text, col < _prefix_upper(plan.text))
    like = f"%{_escape_like(plan.text)}%"
    # Metadata is stored as compact JSON ({"k":"v"}), so match the text as JSON would write it;
    # "key=value" matches that pair (the value as a prefix).
    meta_text = json.dumps(plan.text)[1:-1]
    meta_patterns = [f"%{_escape_like(meta_text)}%"]
    if "=" in plan.text:
        meta_patterns = [f"%{_escape_like(_pair_text(plan.text))}%"]
    clauses = [
        R.c.id.ilike(like, escape="\\"),
        R.c.driver.ilike(like, escape="\\"),
        R.c.vehicle.ilike(like, escape="\\"),
        R.c.charging_station.ilike(like, escape="\\"),
        R.c.evse.ilike(like, escape="\\"),
        # A station's name: the few stations whose name matches (the network is small), then
        # their reservations by id.
        R.c.charging_station.in_(named_stations_select(plan.text)),
    ]
    if "=" in plan.text:
        clauses = []
    clauses += [R.c.metadata_json.ilike(p, escape="\\") for p in meta_patterns]
    return or_(*clauses)


def named_stations_select(text: str) -> Select:
    """The ids of the stations whose name contains ``text`` (any case)."""
    S = t.stations
    return select(S.c.id).where(S.c.name.ilike(f"%{_escape_like(text)}%", escape="\\"))


def _named_stations(conn: Connection, q: ListQuery) -> frozenset[str]:
    plan = plan_search(q.search)
    if plan.kind != "substring" or "=" in plan.text:
        return frozenset()
    return frozenset(conn.execute(named_stations_select(plan.text)).scalars())


# ------------------------------------------------------------------------------ paging


def _sort_col(q: ListQuery) -> Column:
    return R.c[q.sort.value]


def _base_filter(q: ListQuery) -> list[ColumnElement[bool]]:
    return [R.c.status == q.status.value] if q.status is not None else []


def _keyset(
    q: ListQuery,
    cursor: Cursor | None,
    sql_desc: bool,
    inclusive: bool,
    until: Cursor | None = None,
) -> list[ColumnElement[bool]]:
    """Rows after ``cursor`` in the walking direction, and not beyond ``until`` (inclusive)."""
    out: list[ColumnElement[bool]] = []
    key = tuple_(_sort_col(q), R.c.id)
    if cursor is not None:
        bound = tuple_(literal(cursor[0]), literal(cursor[1]))
        if sql_desc:
            out.append(key <= bound if inclusive else key < bound)
        else:
            out.append(key >= bound if inclusive else key > bound)
    if until is not None:
        stop = tuple_(literal(until[0]), literal(until[1]))
        out.append(key >= stop if sql_desc else key <= stop)
    return out


def _ordered(q: ListQuery, stmt: Select, sql_desc: bool) -> Select:
    col = _sort_col(q)
    if sql_desc:
        return stmt.order_by(col.desc(), R.c.id.desc())
    return stmt.order_by(col.asc(), R.c.id.asc())


def _rows_by_ids(conn: Connection, ids: list[str]) -> dict[str, Reservation]:
    out: dict[str, Reservation] = {}
    for i in range(0, len(ids), 500):
        for m in conn.execute(select(R).where(R.c.id.in_(ids[i : i + 500]))).mappings():
            out[m["id"]] = RESERVATION.from_mapping(m)
    return out


def count_matches(conn: Connection, q: ListQuery, cap: int) -> int:
    """How many rows match the status and search, counting at most ``cap``."""
    plan = plan_search(q.search)
    if plan.kind == "prefix":
        return sum(1 for c in _prefix_range(conn, q, plan, cap) if _candidate_ok(q, c))
    inner = select(literal(1)).select_from(R).where(*_base_filter(q), search_predicate(plan))
    sub = inner.limit(cap).subquery()
    return int(conn.execute(select(func.count()).select_from(sub)).scalar_one())


def _prefix_range(conn: Connection, q: ListQuery, plan: SearchPlan, cap: int) -> list:
    """(id, status, sort value) of up to ``cap`` rows whose search column starts with the text.

    The statement tests nothing but the column's range, so the column's index is the only one
    that serves it: a status filter or a keyset in the same statement could lure the planner
    onto a status or order index and a walk of that whole range, testing every row. (SQLAlchemy
    renders no ``INDEXED BY`` hint for SQLite.)"""
    stmt = select(R.c.id, R.c.status, _sort_col(q)).where(search_predicate(plan)).limit(cap)
    return list(conn.execute(stmt).all())


def _candidate_ok(q: ListQuery, c) -> bool:
    return q.status is None or c[1] == q.status.value


def _walk(
    conn: Connection,
    q: ListQuery,
    cursor: Cursor | None,
    *,
    backward: bool,
    inclusive: bool,
    limit: int,
    until: Cursor | None = None,
) -> ListPage:
    """Up to ``limit`` rows from ``cursor`` (exclusive unless ``inclusive``) in display order
    (``backward``: against it), not beyond ``until``. Rows come back in the order walked."""
    sql_desc = q.descending != backward
    plan = plan_search(q.search)
    if plan.kind == "prefix":
        found = _prefix_range(conn, q, plan, INDEXED_MATCH_LIMIT + 1)
        if len(found) <= INDEXED_MATCH_LIMIT:
            return _walk_candidates(
                conn,
                q,
                found,
                cursor,
                sql_desc=sql_desc,
                inclusive=inclusive,
                limit=limit,
                until=until,
            )
    if plan.kind in ("substring", "prefix"):
        return _scan(
            conn, q, plan, cursor, sql_desc=sql_desc, inclusive=inclusive, limit=limit, until=until
        )
    where = _base_filter(q) + _keyset(q, cursor, sql_desc, inclusive, until)
    stmt = _ordered(q, select(R).where(*where, search_predicate(plan)), sql_desc).limit(limit + 1)
    rows = [RESERVATION.from_mapping(m) for m in conn.execute(stmt).mappings()]
    more = len(rows) > limit
    rows = rows[:limit]
    resume = q.cursor_of(rows[-1]) if rows else cursor
    return ListPage(tuple(rows), more, resume if more else None)


def _walk_candidates(
    conn: Connection,
    q: ListQuery,
    found: list,
    cursor: Cursor | None,
    *,
    sql_desc: bool,
    inclusive: bool,
    limit: int,
    until: Cursor | None,
) -> ListPage:
    """A page of a prefix search from its (at most INDEXED_MATCH_LIMIT) candidates: the status
    filter, the keyset and the order applied in Python, the page's rows read by primary key."""
    keys = sorted(((int(c[2]), c[0]) for c in found if _candidate_ok(q, c)), reverse=sql_desc)
    if cursor is not None:
        if sql_desc:
            keys = [k for k in keys if (k <= cursor if inclusive else k < cursor)]
        else:
            keys = [k for k in keys if (k >= cursor if inclusive else k > cursor)]
    if until is not None:
        keys = [k for k in keys if (k >= until if sql_desc else k <= until)]
    more = len(keys) > limit
    keys = keys[:limit]
    rows = _in_order(conn, [(k[1], k) for k in keys])
    resume = keys[-1] if keys else cursor
    return ListPage(tuple(rows), more, resume if more else None)


def _scan(
    conn: Connection,
    q: ListQuery,
    plan: SearchPlan,
    cursor: Cursor | None,
    *,
    sql_desc: bool,
    inclusive: bool,
    limit: int,
    until: Cursor | None = None,
) -> ListPage:
    """The bounded scan: walk the order's index chunk by chunk, keep the rows that match."""
    pred = search_predicate(plan)
    col = _sort_col(q)
    hits: list[tuple[str, Cursor]] = []
    scanned = 0
    position = cursor
    first = True
    while scanned < SCAN_BUDGET:
        where = _base_filter(q) + _keyset(q, position, sql_desc, inclusive and first, until)
        first = False
        chunk = _ordered(
            q, select(col.label("v"), R.c.id, pred.label("hit")).where(*where), sql_desc
        ).limit(SCAN_CHUNK)
        sub = chunk.subquery()
        found = conn.execute(select(sub.c.v, sub.c.id).where(sub.c.hit == true())).all()
        # SQLite keeps the subquery's order; sort again to be sure on every database.
        found.sort(key=lambda row: (row[0], row[1]), reverse=sql_desc)
        for v, rid in found:
            hits.append((rid, (int(v), rid)))
            if len(hits) > limit:
                break
        if len(hits) > limit:
            scanned += SCAN_CHUNK
            break
        # Where did this chunk end? The last row of the chunk (an index-only read).
        end_stmt = _ordered(q, select(col, R.c.id).where(*where), sql_desc)
        end = conn.execute(end_stmt.offset(SCAN_CHUNK - 1).limit(1)).first()
        if end is None:  # reached the end of the order
            n_left = conn.execute(select(func.count()).select_from(chunk.subquery())).scalar_one()
            scanned += int(n_left)
            position = None
            break
        scanned += SCAN_CHUNK
        position = (int(end[0]), end[1])
    if len(hits) > limit:
        kept = hits[:limit]
        rows = _in_order(conn, kept)
        return ListPage(tuple(rows), True, kept[-1][1], scanned)
    rows = _in_order(conn, hits)
    if position is None:
        return ListPage(tuple(rows), False, None, scanned)
    # Budget spent before the page filled: continue from where the scan stopped.
    return ListPage(tuple(rows), True, position, scanned)


def _in_order(conn: Connection, hits: list[tuple[str, Cursor]]) -> list[Reservation]:
    by_id = _rows_by_ids(conn, [h[0] for h in hits])
    return [by_id[h[0]] for h in hits if h[0] in by_id]


def forward(
    conn: Connection,
    q: ListQuery,
    after: Cursor | None = None,
    *,
    limit: int,
    inclusive: bool = False,
    until: Cursor | None = None,
) -> ListPage:
    """Rows following ``after`` in display order (from the first row when ``None``), up to
    ``until`` included when given."""
    return _walk(conn, q, after, backward=False, inclusive=inclusive, limit=limit, until=until)


def backward(
    conn: Connection, q: ListQuery, before: Cursor | None = None, *, limit: int
) -> ListPage:
    """Rows preceding ``before`` in display order (the last rows when ``None``), returned in
    display order; ``more``/``resume`` say whether and from where to go on backwards."""
    page = _walk(conn, q, before, backward=True, inclusive=False, limit=limit)
    return ListPage(tuple(reversed(page.rows)), page.more, page.resume, page.scanned)


def matching(conn: Connection, q: ListQuery, ids: list[str]) -> dict[str, Reservation]:
    """Those of ``ids`` that exist and pass the status filter and the search. Read by primary
    key only (a filter in the same statement could lure the planner onto a status index), then
    tested with :func:`row_matches`."""
    named = _named_stations(conn, q)
    return {rid: r for rid, r in _rows_by_ids(conn, list(ids)).items() if row_matches(q, r, named)}


def iter_view(conn: Connection, q: ListQuery, page: int = 1_000) -> Iterator[Reservation]:
    """Every row of the view ``q`` (filter, search, order), once each, in display order: keyset
    pages of ``page`` rows (a substring search continues its bounded scans), so memory stays
    that of one page whatever the store holds. Run it inside one read transaction to see one
    state of the store."""
    cursor: Cursor | None = None
    while True:
        result = forward(conn, q, cursor, limit=page)
        yield from result.rows
        if not result.more or result.resume is None:
            return
        cursor = result.resume


# ------------------------------------------------------------------------------ counts


def counts_by_status(conn: Connection, largest: Status | None = None) -> dict[Status, int]:
    """Reservations per status from index ranges. ``largest`` (the status that was largest last
    time) is derived as total minus the others, which saves counting the biggest range."""
    out: dict[Status, int] = {}
    for s in Status:
        if s is largest:
            continue
        out[s] = int(conn.execute(select(func.count()).where(R.c.status == s.value)).scalar_one())
    if largest is not None:
        total = int(conn.execute(select(func.count()).select_from(R)).scalar_one())
        out[largest] = max(0, total - sum(out.values()))
    return {s: out[s] for s in Status}


def change_token(conn: Connection) -> tuple:
    """Changes whenever any reservation is created or changed, or an EVSE goes out of order or
    back (index look-ups: the last event, the latest update, and the out-of-order EVSEs'
    ``(status, id)`` index range: their count and first and last id)."""
    seq = conn.execute(select(func.max(t.events.c.seq))).scalar()
    updated = conn.execute(select(func.max(R.c.updated))).scalar()
    V = t.evses
    down, lo, hi = conn.execute(
        select(func.count(), func.min(V.c.id), func.max(V.c.id)).where(
            V.c.status == EvseStatus.OUT_OF_ORDER.value
        )
    ).one()
    return (int(seq or 0), int(updated or 0), int(down or 0), lo or "", hi or "")


__all__ = [
    "Cursor",
    "ListPage",
    "ListQuery",
    "SortKey",
    "backward",
    "change_token",
    "count_matches",
    "counts_by_status",
    "forward",
    "iter_view",
    "matching",
    "plan_search",
    "row_matches",
]
