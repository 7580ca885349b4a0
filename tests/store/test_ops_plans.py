"""The operations layer's reads cost what they show: ``EXPLAIN QUERY PLAN`` of the KPI strip's
(first read, then a refresh that moves the period on) and of the at-risk view's, on a store made
by the simulator, before and after ``ANALYZE``. SQLite's plans only."""

from __future__ import annotations

from charge_tui.domain.kpis import KpiTracker
from charge_tui.store import atrisk, kpis
from tests.store.test_board_plans import plan_lines, scans
from tests.store.test_query_plans import START, Plans, db, sim_store  # noqa: F401 (fixtures)


def test_kpi_reads_are_primary_key_and_index_ranges(db):  # noqa: F811
    tracker = KpiTracker("day")
    now = START + 10 * 3600
    with Plans(db.engine, table=None) as p, db.read() as conn:
        kpis.refresh(conn, tracker, now)
        kpis.refresh(conn, tracker, now + 2 * 3600 + 5)
    assert p.plans
    for table in ("reservations", "reservation_events"):
        assert scans(p.plans, table) == [], table
    # Grouping the period's totals (a few rows per interval) is the only sort.
    sorts = [line for _s, lines in p.plans for line in lines if "TEMP B-TREE" in line]
    assert all(line == "USE TEMP B-TREE FOR GROUP BY" for line in sorts)
    events = plan_lines(p.plans, "FROM reservation_events JOIN reservations")
    assert events and any("INTEGER PRIMARY KEY (rowid>?)" in line for line in events)
    assert any(
        "reservations USING INDEX sqlite_autoindex_reservations_1 (id=?)" in line for line in events
    )
    held = [line for sql, lines in p.plans if "scheduled_start_time >=" in sql for line in lines]
    assert held and all("ix_reservations_held_start" in line for line in held)


def test_at_risk_reads_use_their_indexes(db):  # noqa: F811
    with db.write() as conn:
        conn.exec_driver_sql(
            "UPDATE evses SET status = 'out_of_order' WHERE id IN (SELECT DISTINCT evse FROM "
            "reservations WHERE status = 'confirmed' ORDER BY evse LIMIT 2)"
        )
    now = START + 10 * 3600
    with Plans(db.engine, table=None) as p, db.read() as conn:
        found = atrisk.at_risk(conn, now, confirm_lead=1800, lookahead=300, grace=1200)
    assert p.plans
    assert scans(p.plans, "reservations") == []
    assert scans(p.plans, "evses") == []
    due = plan_lines(p.plans, "next_check_at <=")
    assert due and all("ix_reservations_status_next_check" in line for line in due)
    on_evse = plan_lines(p.plans, "reservations.evse IN")
    assert on_evse and all("ix_reservations_evse_start" in line for line in on_evse)
    assert isinstance(found.items, tuple)
