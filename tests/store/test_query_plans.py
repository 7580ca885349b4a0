"""The console's list queries (``store/listing.py``) cost what they return, whatever the store size.

On a store made by the simulator (so the status mix, the ties on ``created`` and the spread of
drivers are those of a real run), every SELECT the list runs is checked with SQLite's
``EXPLAIN QUERY PLAN``, both before and after ``ANALYZE`` (statistics can change the planner's
mind): pages in every order and direction, overall and per status, at both ends, the refresh of a
window, ``around`` a reservation, the counts, the change token and the id/prefix searches.

- no full table scan (``SCAN reservations`` without an index);
- a page in an order is read through that order's index: no ``TEMP B-TREE`` sort, which would read
  every matching row to return a hundred;
- a prefix search reads the range of its column's index (sorting at most
  ``INDEXED_MATCH_LIMIT`` rows), or falls back to the bounded scan.

SQLite only: the plans are SQLite's.
"""

from __future__ import annotations

import re
import shutil

import pytest
from sqlalchemy import event

from charge_tui.domain.enums import Status
from charge_tui.engine.simulator import SimConfig, Simulator
from charge_tui.store import listing
from charge_tui.store import paging as win
from charge_tui.store.db import Database
from charge_tui.store.listing import ListQuery, SortKey, plan_search

START = 1_795_000_000 // 86400 * 86400


@pytest.fixture(scope="module")
def sim_store(tmp_path_factory):
    """About 600 reservations from a simulated half day (module-wide: built once)."""
    path = tmp_path_factory.mktemp("plans") / "sim.db"
    db = Database(f"sqlite:///{path}")
    sim = Simulator.for_database(
        db, SimConfig(seed=5, stations=12, hours=12, rate=50, start=START, radius_km=6.0)
    )
    sim.run()
    db.dispose()
    return path


@pytest.fixture(params=["no-stats", "analyzed"])
def db(request, sim_store, tmp_path):
    path = tmp_path / "store.db"
    shutil.copyfile(sim_store, path)
    database = Database(f"sqlite:///{path}")
    if request.param == "analyzed":
        with database.write() as conn:
            conn.exec_driver_sql("ANALYZE")
    yield database
    database.dispose()


class Plans:
    """EXPLAIN QUERY PLAN of every SELECT on the ``table`` run inside the block (any table when
    ``table`` is None)."""

    def __init__(self, engine, table: str | None = "reservations") -> None:
        self.engine = engine
        self.table = table
        self.plans: list[tuple[str, list[str]]] = []
        self._statements: list[tuple[str, object]] = []

    def __enter__(self) -> Plans:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)
        with self.engine.connect() as conn:
            for sql, params in self._statements:
                rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()
                self.plans.append((sql, [r[-1] for r in rows]))

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        select = statement.lstrip().upper().startswith("SELECT")
        if select and (self.table is None or self.table in statement):
            self._statements.append((statement, parameters))


def full_scans(plans) -> list[tuple[str, str]]:
    return [
        (sql, line)
        for sql, lines in plans
        for line in lines
        if re.match(r"SCAN reservations(?! USING)", line)
    ]


def sorts(plans) -> list[tuple[str, str]]:
    return [(sql, line) for sql, lines in plans for line in lines if "TEMP B-TREE" in line]


def walk(db: Database, q: ListQuery) -> None:
    """Everything the list does with a query: both ends, a page more each way, a refresh, around."""
    with db.read() as conn:
        top = win.first(conn, q)
        win.forward(conn, top)
        bottom = win.last(conn, q)
        win.backward(conn, bottom)
        win.refresh(conn, top, top.rows[0].id if top.rows else None)
        win.refresh(conn, bottom)
        if top.rows:
            win.around(conn, q, top.rows[len(top.rows) // 2].id)


ORDERS = [
    ListQuery(status=status, sort=sort, descending=descending)
    for status in (None, Status.PENDING, Status.COMPLETED, Status.FAILED)
    for sort in SortKey
    for descending in (True, False)
]


@pytest.mark.parametrize(
    "q",
    ORDERS,
    ids=lambda q: f"{q.status or 'all'}-{q.sort.value}-{'desc' if q.descending else 'asc'}",
)
def test_pages_are_index_range_reads_in_the_order_of_the_index(db, q):
    with Plans(db.engine) as p:
        walk(db, q)
    assert p.plans
    assert full_scans(p.plans) == []
    assert sorts(p.plans) == []


def test_counts_and_change_token_are_index_reads(db):
    with Plans(db.engine) as p, db.read() as conn:
        counts = listing.counts_by_status(conn)
        listing.counts_by_status(conn, max(counts, key=lambda s: counts[s]))
        listing.change_token(conn)
    assert full_scans(p.plans) == []
    assert sorts(p.plans) == []
    for _sql, lines in p.plans:
        assert any("INDEX" in line or "PRIMARY KEY" in line for line in lines), lines


def _some(db: Database):
    with db.read() as conn:
        return win.first(conn, ListQuery(), limit=50).rows[25]


@pytest.mark.parametrize("status", [None, Status.PENDING])
def test_exact_id_search_is_a_primary_key_lookup(db, status):
    r = _some(db)
    with Plans(db.engine) as p:
        walk(db, ListQuery(status=status, search=r.id))
    assert full_scans(p.plans) == []
    assert sorts(p.plans) == []
    assert all(
        any("autoindex" in line or "PRIMARY KEY" in line for line in lines) for _s, lines in p.plans
    )


@pytest.mark.parametrize("kind", ["driver", "driver-prefix", "station-prefix", "id-prefix"])
@pytest.mark.parametrize("status", [None, Status.PENDING])
def test_prefix_search_reads_its_column_index(db, kind, status):
    r = _some(db)
    text = {
        "driver": r.driver,
        "driver-prefix": r.driver[:7],
        "station-prefix": "sta_",
        "id-prefix": r.id[:7],
    }[kind]
    plan = plan_search(text)
    assert plan.kind == "prefix"
    with Plans(db.engine) as p:
        walk(db, ListQuery(status=status, search=text))
    assert full_scans(p.plans) == []
    with db.read() as conn:
        matches = listing.count_matches(
            conn, ListQuery(status=status, search=text), listing.INDEXED_MATCH_LIMIT + 1
        )
    assert matches <= listing.INDEXED_MATCH_LIMIT  # this store is small: the indexed path
    range_test = f"reservations.{plan.column} >= "
    uses_index = [
        any(f"INDEX {plan.index_name} (" in line for line in lines)
        for sql, lines in p.plans
        if range_test in sql
    ]
    assert uses_index and all(uses_index), p.plans
    for sql, lines in p.plans:
        if "TEMP B-TREE" in " ".join(lines):
            # Sorting is allowed only for a range of the search column's index that holds at most
            # INDEXED_MATCH_LIMIT rows (the bounded scan takes over beyond that).
            assert matches <= listing.INDEXED_MATCH_LIMIT
            assert any(
                "USING INDEX " + (plan.index_name or "") in line
                or "USING COVERING INDEX " + (plan.index_name or "") in line
                for line in lines
            ), (sql, lines)


def test_the_open_reservations_a_run_loads_are_an_index_read(db):
    """What a simulator that writes behind reads once (queries.open_reservations): the pending
    and confirmed rows, through the (status, next_check_at) index, not the whole table."""
    from charge_tui.store import queries

    with db.read() as conn:
        lines = [
            r[-1]
            for r in conn.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {queries.OPEN_RESERVATIONS_SQL}", tuple(queries.OPEN_STATUSES)
            )
        ]
        loaded = queries.open_reservations(conn)
    assert full_scans([("open", lines)]) == []
    assert any("USING INDEX" in line and "status" in line for line in lines), lines
    assert loaded and {r.status for r in loaded} <= {Status.PENDING, Status.CONFIRMED}
