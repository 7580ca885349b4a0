"""The KPI strip's reads, and the one step that brings a :class:`KpiTracker` up to date.

Every read goes through an index: events by their primary key ``seq`` (a range after the last
one seen; the period's first event is found by a binary search on ``seq``, events being
appended in time order), their reservations by primary key, held slots by the partial index on
``scheduled_start_time`` (only the slots that start in an interval entering the period, after
the first read), and the number of EVSEs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from sqlalchemy import Connection, func, select

from charge_tui.domain.kpis import HOLDING, HeldSlot, KpiEvent, KpiTracker
from charge_tui.domain.validation import MAX_DURATION
from charge_tui.store import tables as t

R = t.reservations
E = t.events
#: Events read per statement.
BATCH = 5_000
#: How far before the period's start the binary search for its first event starts reading (the
#: writers' clocks and transactions may put a slightly older event after a newer one).
MARGIN = 600
#: Events read again below the last seen one on PostgreSQL (see ``KpiTracker.tail``).
PG_TAIL = 500


def _events(conn: Connection, after: int, limit: int) -> list[KpiEvent]:
    q = (
        select(
            E.c.seq,
            E.c.reservation_id,
            E.c.type,
            E.c.created,
            E.c.data_json,
            R.c.status,
            R.c.failure_reason,
            R.c.currency,
            R.c.scheduled_start_time,
            R.c.scheduled_end_time,
        )
        .select_from(E.join(R, R.c.id == E.c.reservation_id))
        .where(E.c.seq > after)
        .order_by(E.c.seq)
        .limit(limit)
    )
    out = []
    for seq, rid, typ, created, data_json, status, reason, currency, start, end in conn.execute(q):
        data = json.loads(data_json) if data_json and data_json != "{}" else {}
        out.append(
            KpiEvent(
                seq,
                rid,
                typ,
                created,
                int(data.get("fee_charged") or 0),
                bool(data.get("no_show")),
                status,
                reason,
                currency,
                start,
                end,
            )
        )
    return out


def events_after(conn: Connection, after: int) -> Iterator[KpiEvent]:
    """Every event with ``seq > after``, in order, read in batches."""
    while True:
        batch = _events(conn, after, BATCH)
        yield from batch
        if len(batch) < BATCH:
            return
        after = batch[-1].seq


def first_seq_at(conn: Connection, when: int) -> int:
    """A ``seq`` before the first event created at or after ``when`` (binary search by primary
    key; 0 when the log starts later)."""
    lo, hi = 0, int(conn.execute(select(func.max(E.c.seq))).scalar() or 0)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        created = conn.execute(
            select(E.c.created).where(E.c.seq >= mid).order_by(E.c.seq).limit(1)
        ).scalar()
        if created is not None and created < when:
            lo = mid
        else:
            hi = mid - 1
    return lo


def held_slots(conn: Connection, lo: int, hi: int, *, overlapping: bool) -> list[HeldSlot]:
    """Confirmed and completed slots starting in ``[lo, hi)``, or (``overlapping``) overlapping
    it: those start at most the longest slot before ``lo``."""
    start_lo = lo - MAX_DURATION if overlapping else lo
    q = select(R.c.id, R.c.status, R.c.scheduled_start_time, R.c.scheduled_end_time).where(
        R.c.scheduled_start_time >= start_lo, R.c.scheduled_start_time < hi
    )
    return [
        HeldSlot(rid, s, e) for rid, status, s, e in conn.execute(q) if status in HOLDING and e > lo
    ]


def evse_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(t.evses)).scalar() or 0)


def refresh(conn: Connection, tracker: KpiTracker, now: int, *, prime: bool = False) -> None:
    """Bring ``tracker`` to ``now`` in one read transaction: prime it (the first time, when its
    period changed, or when the clock moved past the whole period), else move the period on
    when an interval enters it and feed it the new events."""
    entering = tracker.entering(now) if not prime and tracker.end else []
    whole = len(entering) * tracker.interval >= tracker.length
    if prime or not tracker.end or whole:
        if conn.dialect.name == "postgresql":
            tracker.tail = PG_TAIL
        first, end = tracker.window_at(now)
        last = int(conn.execute(select(func.max(E.c.seq))).scalar() or 0)
        start = first_seq_at(conn, first - MARGIN)
        events = [e for e in events_after(conn, start) if e.seq <= last]
        tracker.prime(
            now, evse_count(conn), events, held_slots(conn, first, end, overlapping=True), last
        )
        return
    if entering:
        lo, hi = entering[0], entering[-1] + tracker.interval
        tracker.roll(now, evse_count(conn), held_slots(conn, lo, hi, overlapping=False))
    tracker.feed(events_after(conn, tracker.read_from))
