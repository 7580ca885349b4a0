"""The station board's reads (``store/board.py``) cost what they show: ``EXPLAIN QUERY PLAN`` of
each, on a store made by the simulator, before and after ``ANALYZE``. Stations page through the
``(name, id)`` index without a sort; EVSEs come through their station index; held slots through
``(evse, scheduled_start_time)``; station names by primary key. SQLite's plans only."""

from __future__ import annotations

import re

from charge_tui.domain.board import Period
from charge_tui.store import board, queries
from tests.store.test_query_plans import START, Plans, db, sim_store  # noqa: F401 (fixtures)


def scans(plans, table: str) -> list[tuple[str, str]]:
    return [
        (sql, line)
        for sql, lines in plans
        for line in lines
        if re.match(rf"SCAN {table}(?! USING)", line)
    ]


def plan_lines(plans, fragment: str) -> list[str]:
    return [line for sql, lines in plans if fragment in sql for line in lines]


def test_board_reads_use_their_indexes(db):  # noqa: F811
    period = Period(START + 6 * 3600, 6 * 3600)
    with Plans(db.engine, table=None) as p, db.read() as conn:
        first = board.station_page(conn, limit=5)
        after = board.station_page(conn, after=board.key_of(first[-1]), limit=5)
        board.station_page(conn, before=board.key_of(after[0]), limit=5)
        board.station_page(conn, after=board.key_of(after[0]), inclusive=True, limit=5)
        board.summaries(conn, after, period)
        board.position(conn, board.key_of(after[0]))
        board.station_names(conn, [s.id for s in first])
        queries.get_station(conn, first[0].id)
    assert p.plans
    for table in ("reservations", "stations", "evses"):
        assert scans(p.plans, table) == [], table
    assert not [line for _s, lines in p.plans for line in lines if "TEMP B-TREE" in line]
    pages = plan_lines(p.plans, "FROM stations ORDER BY") + plan_lines(
        p.plans, "ORDER BY stations.name"
    )
    assert pages and all("ix_stations_name_id" in line for line in pages)
    held = plan_lines(p.plans, "FROM reservations")
    assert held and all("ix_reservations_evse_start" in line for line in held)
    evses = plan_lines(p.plans, "FROM evses")
    assert evses and all("ix_evses_station_id" in line for line in evses)


def test_search_by_station_name_scans_only_the_stations(db):  # noqa: F811
    from charge_tui.store import listing
    from charge_tui.store.listquery import ListQuery

    with db.read() as conn:
        name = board.station_page(conn, limit=1)[0].name
    with Plans(db.engine, table=None) as p, db.read() as conn:
        page = listing.forward(conn, ListQuery(search=name.split(" #")[0]), limit=20)
    assert page.rows
    assert scans(p.plans, "reservations") == []
