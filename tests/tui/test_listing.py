"""The list's SQL (``store/listing.py``): every query the console runs is served by an index —
no full scan of the reservations for a page, the other end, the filters, the counts, the change
token or an id/prefix search — and the search planner picks the right kind of search."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from charge_tui.domain.enums import Status
from charge_tui.store import listing
from charge_tui.store import paging as win
from charge_tui.store.listing import ListQuery, SortKey, plan_search

QUERIES = [
    ListQuery(),
    ListQuery(descending=False),
    ListQuery(status=Status.PENDING),
    ListQuery(status=Status.FAILED, sort=SortKey.PREFERRED, descending=False),
    ListQuery(sort=SortKey.UPDATED),
    ListQuery(status=Status.CONFIRMED, sort=SortKey.UPDATED),
    ListQuery(search="drv_alice"),
    ListQuery(search="veh_leaf", status=Status.COMPLETED),
    ListQuery(search="sta_"),
    ListQuery(search="rsv_Ab"),
]


class Plans:
    """Records EXPLAIN QUERY PLAN of every SELECT on the reservations table."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.plans: list[tuple[str, list[str]]] = []
        self._statements: list[tuple[str, object]] = []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)
        with self.engine.connect() as conn:
            for sql, params in self._statements:
                rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()
                self.plans.append((sql, [r[-1] for r in rows]))

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "reservations" in statement:
            self._statements.append((statement, parameters))


def full_scans(plans) -> list[tuple[str, str]]:
    bad = []
    for sql, lines in plans:
        for line in lines:
            # "SCAN reservations" (no index) is a full table scan; a covering index scan of a
            # range is "SEARCH ... USING (COVERING) INDEX".
            if re.match(r"SCAN reservations(?! USING)", line):
                bad.append((sql, line))
    return bad


@pytest.mark.parametrize("q", QUERIES, ids=lambda q: f"{q.status}-{q.sort}-{q.search or 'all'}")
def test_pages_both_ends_and_refresh_use_indexes(sample, q):
    with Plans(sample.db.engine) as p, sample.reading() as conn:
        w = win.first(conn, q)
        win.forward(conn, w)
        win.last(conn, q)
        win.refresh(conn, w)
        if w.rows:
            win.around(conn, q, w.rows[0].id)
    assert p.plans
    assert full_scans(p.plans) == []


def test_counts_and_change_token_use_indexes(sample):
    with Plans(sample.db.engine) as p, sample.reading() as conn:
        listing.counts_by_status(conn)
        listing.counts_by_status(conn, Status.COMPLETED)
        listing.change_token(conn)
    assert full_scans(p.plans) == []
    for _sql, lines in p.plans:
        assert any("INDEX" in line or "PRIMARY KEY" in line for line in lines), lines


def test_exact_id_search_is_a_primary_key_lookup(sample):
    rid = sample.list(limit=1).data[0].id
    with Plans(sample.db.engine) as p, sample.reading() as conn:
        page = listing.forward(conn, ListQuery(search=rid), limit=10)
    assert [r.id for r in page.rows] == [rid]
    assert any("PRIMARY KEY" in line or "autoindex" in line for _s, ls in p.plans for line in ls)


def test_plan_search_kinds():
    assert plan_search("").kind == "none"
    assert plan_search("rsv_" + "a" * 24).kind == "id"
    assert plan_search("rsv_abc").kind == "prefix"
    assert plan_search("drv_alice") == listing.SearchPlan("prefix", "drv_alice", "driver")
    assert plan_search("veh_1").column == "vehicle"
    assert plan_search("sta_x").column == "charging_station"
    assert plan_search("evse_x").column == "evse"
    assert plan_search("alice").kind == "substring"
    assert plan_search("fleet=acme").kind == "substring"
    assert plan_search("drv_a b").kind == "substring"


def test_substring_search_matches_metadata_pairs_and_escapes_wildcards(sample):
    everything = sample.list(limit=100).data
    with sample.reading() as conn:
        acme = listing.forward(conn, ListQuery(search="fleet=acme"), limit=100).rows
        night = listing.forward(conn, ListQuery(search="NIGHT"), limit=100).rows
        percent = listing.forward(conn, ListQuery(search="%"), limit=100).rows
        under = listing.forward(conn, ListQuery(search="v_a"), limit=100).rows
    assert {r.id for r in acme} == {r.id for r in everything if r.metadata.get("fleet") == "acme"}
    assert {r.id for r in night} == {r.id for r in everything if r.metadata.get("shift")}
    assert percent == ()
    # "_" is a literal underscore, not LIKE's any-character
    assert {r.id for r in under} == {
        r.id for r in everything if "v_a" in f"{r.id} {r.driver} {r.vehicle}".lower()
    }


def test_prefix_search_with_many_matches_becomes_a_bounded_scan(sample, monkeypatch):
    monkeypatch.setattr(listing, "INDEXED_MATCH_LIMIT", 5)
    with sample.reading() as conn:
        page = listing.forward(conn, ListQuery(search="drv_"), limit=10)
        few = listing.forward(conn, ListQuery(search="drv_alice"), limit=10)
    assert page.scanned > 0 and len(page.rows) == 10
    assert few.scanned == 0 and all(r.driver == "drv_alice" for r in few.rows)


def test_change_token_moves_on_every_change(sample):
    with sample.reading() as conn:
        before = listing.change_token(conn)
    r = next(x for x in sample.list(limit=100).data if x.status is Status.PENDING)
    sample.fail(r.id, "other")
    with sample.reading() as conn:
        assert listing.change_token(conn) != before


@pytest.mark.parametrize(
    "text",
    ["", "drv_a", "drv_alice", "veh_", "sta_", "acme", "fleet=acme", "shift=ni", "NIGHT", "v_a"]
    + ["%", "rsv_", "evse_", "7", "x y"],
)
@pytest.mark.parametrize("status", [None, Status.PENDING, Status.COMPLETED])
def test_sql_and_python_predicates_agree(sample, text, status):
    """The live refresh re-reads a window's rows by id and tests them in Python: same answer."""
    q = ListQuery(status=status, search=text)
    with sample.reading() as conn:
        sql = {r.id for r in listing.forward(conn, q, limit=1000).rows}
    everything = sample.list(limit=100).data
    assert sql == {r.id for r in everything if listing.row_matches(q, r)}


def test_rereading_a_window_goes_by_primary_key(sample):
    ids = [r.id for r in sample.list(limit=20).data]
    with Plans(sample.db.engine) as p, sample.reading() as conn:
        listing.matching(conn, ListQuery(status=Status.PENDING, search="drv_a"), ids)
    assert p.plans
    for _sql, lines in p.plans:
        assert any("autoindex" in line or "PRIMARY KEY" in line for line in lines), lines
