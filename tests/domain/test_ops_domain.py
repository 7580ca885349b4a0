"""Pure parts of the operations layer: which events count as what, the KPI tracker's sliding
period, the at-risk rule, and JSON Lines that stay one line each."""

from __future__ import annotations

import json

from charge_tui.domain.atrisk import RiskReason, risk_of
from charge_tui.domain.export import lines
from charge_tui.domain.kpis import HeldSlot, KpiEvent, KpiTracker, counted_figure
from charge_tui.domain.machine import create
from charge_tui.domain.validation import validate_create
from tests.factories import NOW, params


def event(seq, typ, created, **kw) -> KpiEvent:
    base = dict(
        fee=0,
        no_show=False,
        status="pending",
        failure_reason=None,
        currency="usd",
        start=None,
        end=None,
    )
    base.update(kw)
    return KpiEvent(seq, f"rsv_{seq}", typ, created, **base)


def test_which_events_count_as_what():
    assert counted_figure(event(1, "reservation.confirmed", 0)) == "confirmed"
    assert counted_figure(event(1, "reservation.expired", 0)) is None  # pending, expired
    assert counted_figure(event(1, "reservation.expired", 0, no_show=True)) == "no_shows"
    failed = event(1, "reservation.failed", 0, failure_reason="payment_failed")
    assert counted_figure(failed) == "failed_payment"
    assert counted_figure(event(1, "reservation.reassigned", 0)) is None


def test_the_period_slides_and_keeps_what_is_still_in_it():
    t = KpiTracker("hour")  # 12 intervals of 5 minutes
    now = 10 * 3600 + 60
    b = now - 3000 - (now - 3000) % 300
    t.prime_totals(
        now, 2, 1, counts={b: {"confirmed": 1}}, fees={b: {"usd": 300}}, held={}, watched=[]
    )
    assert sum(t.counted("confirmed")) == 1
    # A slot of the next interval, booked long ago, enters with it.
    t.roll(now + 300, 2, [HeldSlot("rsv_x", now + 240, now + 840)])
    # The interval entering is [36300, 36600); the slot [36300, 36900) fills it.
    assert t.held_seconds()[-1] == 300
    t.feed([event(2, "reservation.cancelled", now + 301, fee=300)])
    assert sum(t.counted("cancelled")) == 1 and t.snapshot().totals["fees"] == 600
    t.roll(now + 3000, 2, [])
    assert sum(t.counted("confirmed")) == 0  # left the period
    assert t.snapshot().totals["acceptance"] is None


def test_at_risk_rule():
    r = create(validate_create(params(), NOW), "rsv_" + "c" * 24, NOW)
    due = r.earliest_start_time - 1800
    assert risk_of(r, due - 1, 1800, frozenset()) is None
    assert risk_of(r, due, 1800, frozenset()) == (RiskReason.UNCONFIRMED, due)


def test_json_lines_stay_one_line_each():
    r = create(
        validate_create(params(metadata={"note": "a\u0085b\u2028c\u2029d\ne"}), NOW),
        "rsv_" + "d" * 24,
        NOW,
    )
    text = "".join(lines([r, r], "jsonl"))
    assert len(text.splitlines()) == 2
    assert json.loads(text.splitlines()[0])["metadata"]["note"] == "a\u0085b\u2028c\u2029d\ne"
