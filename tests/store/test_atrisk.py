"""The at-risk view holds exactly what its definition says, read through indexes: compared with
the definition applied to every reservation of a simulated store (an EVSE faulted behind the
service's back too), at several moments; on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import text

from charge_tui.domain.atrisk import RiskReason, risk_of
from charge_tui.engine.simulator import SimConfig, Simulator
from charge_tui.store import atrisk, queries

START = 1_795_000_000 // 86400 * 86400 + 6 * 3600
LEAD = 1800


def everything(conn):
    ids = [row[0] for row in conn.execute(text("SELECT id FROM reservations"))]
    return queries.get_many(conn, ids).values()


def test_at_risk_equals_its_definition(db):
    sim = Simulator.for_database(
        db, SimConfig(seed=8, stations=8, hours=20, rate=90, start=START, confirm_lead=LEAD)
    )
    sim.step(START + 12 * 3600)
    now = sim.clock.now()
    with db.write() as conn:
        evse = conn.execute(
            text(
                "SELECT evse FROM reservations WHERE status = 'confirmed' "
                "AND scheduled_end_time > :now ORDER BY evse LIMIT 1"
            ),
            {"now": now},
        ).scalar()
        conn.execute(text("UPDATE evses SET status = 'out_of_order' WHERE id = :e"), {"e": evse})
    reasons = set()
    # Later moments: the engine is not run, so pending ones pass their confirmation time and
    # confirmed ones their start.
    for later in (0, 900, 2 * 3600, 5 * 3600):
        at = now + later
        with db.read() as conn:
            found = atrisk.at_risk(conn, at, confirm_lead=LEAD, lookahead=300, grace=1200)
            faulted = atrisk.faulted_evses(conn)
            want = {
                r.id: risk
                for r in everything(conn)
                if (risk := risk_of(r, at, LEAD, faulted)) is not None
            }
        got = {i.reservation.id: (i.reason, i.since) for i in found.items}
        assert not found.capped
        assert got == want, at
        assert [i.since for i in found.items] == sorted(i.since for i in found.items)
        reasons |= {reason for reason, _s in want.values()}
    assert reasons == set(RiskReason)


def test_each_reason_is_capped_and_says_so(db):
    sim = Simulator.for_database(db, SimConfig(seed=2, stations=6, hours=10, rate=120, start=START))
    sim.step(START + 6 * 3600)
    with db.read() as conn:
        at = sim.clock.now() + 6 * 3600
        full = atrisk.at_risk(conn, at, confirm_lead=LEAD, lookahead=300, grace=1200)
        some = atrisk.at_risk(conn, at, confirm_lead=LEAD, lookahead=300, grace=1200, limit=3)
    assert len(full.items) > 6
    assert some.capped and len(some.items) <= 9
    assert some.count_text().endswith("+")
