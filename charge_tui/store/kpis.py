"""The KPI strip's reads, and the one step that brings a :class:`KpiTracker` up to date.

Every read goes through an index: events by their primary key ``seq`` (a range after the last
one seen; the period's first event is found by a binary search on ``seq``, events being
appended in time order), their reservations by primary key, held slots by the partial index on
``scheduled_start_time``, and the number of EVSEs. The first read of a period lets the database
total it (counts, fees and held seconds per interval: no row of it becomes a Python object);
later ones read only the events after the last one seen, and the slots starting in an interval
as it enters.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

from sqlalchemy import BigInteger, Connection, and_, case, cast, func, literal, or_, select
from sqlalchemy.dialects.postgresql import JSON

from charge_tui.domain.enums import SLOT_HOLDING as SLOT_STATUSES
from charge_tui.domain.enums import EventType, Status
from charge_tui.domain.kpis import FAILURE_FIGURE, HeldSlot, KpiEvent, KpiTracker
from charge_tui.domain.validation import MAX_DURATION
from charge_tui.store import tables as t
from charge_tui.store.tables import unindexed_status

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


def held_slots(conn: Connection, lo: int, hi: int) -> list[HeldSlot]:
    """Confirmed and completed slots starting in ``[lo, hi)`` (an interval entering)."""
    q = select(R.c.id, R.c.scheduled_start_time, R.c.scheduled_end_time).where(
        R.c.scheduled_start_time >= lo,
        R.c.scheduled_start_time < hi,
        unindexed_status.in_([x.value for x in SLOT_STATUSES]),
    )
    return [HeldSlot(rid, s, e) for rid, s, e in conn.execute(q)]


def evse_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(t.evses)).scalar() or 0)


def _json_number(conn: Connection, key: str):
    """``data_json[key]`` as a number (SQLite's json_extract, PostgreSQL's json operator)."""
    if conn.dialect.name == "postgresql":
        return cast(cast(E.c.data_json, JSON)[key].astext, BigInteger)
    return func.json_extract(E.c.data_json, f"$.{key}")


def _json_true(conn: Connection, key: str):
    if conn.dialect.name == "postgresql":
        return cast(E.c.data_json, JSON)[key].astext == "true"
    return func.json_extract(E.c.data_json, f"$.{key}") == 1


def _greatest(conn: Connection, *xs):
    return (func.greatest if conn.dialect.name == "postgresql" else func.max)(*xs)


def _least(conn: Connection, *xs):
    return (func.least if conn.dialect.name == "postgresql" else func.min)(*xs)


def prime(conn: Connection, tracker: KpiTracker, now: int) -> None:
    """The first read of a period, totalled by the database: the period's events (a ``seq``
    range, found by binary search) counted per interval and figure, fees per interval and
    currency, held seconds per interval; the held slots the tracker must watch."""
    first, end = tracker.window_at(now)
    iv = tracker.interval
    last = int(conn.execute(select(func.max(E.c.seq))).scalar() or 0)
    start = first_seq_at(conn, first - MARGIN)
    # Integer division on both back ends (SQLAlchemy's "/" would divide as floats).
    offset = (E.c.created - first).self_group().op("/", precedence=8)(iv)
    bucket = (literal(first) + offset.self_group() * iv).label("bucket")
    in_range = and_(E.c.seq > start, E.c.seq <= last, E.c.created >= first)
    counts: dict[int, Counter] = {}
    figure_of = {
        (EventType.CONFIRMED.value, False): "confirmed",
        (EventType.CANCELLED.value, False): "cancelled",
        (EventType.EXPIRED.value, True): "no_shows",
    }
    no_show = case((_json_true(conn, "no_show"), True), else_=False).label("no_show")
    q = (
        select(bucket, E.c.type, no_show, func.count())
        .where(
            in_range,
            E.c.type.in_([EventType.CONFIRMED, EventType.CANCELLED, EventType.EXPIRED]),
        )
        .group_by(bucket, E.c.type, no_show)
    )
    for b, typ, shown, n in conn.execute(q):
        figure = figure_of.get((typ, bool(shown) if typ == EventType.EXPIRED else False))
        if figure is not None:
            counts.setdefault(int(b), Counter())[figure] += int(n)
    joined = E.join(R, R.c.id == E.c.reservation_id)
    q = (
        select(bucket, R.c.failure_reason, func.count())
        .select_from(joined)
        .where(in_range, E.c.type == EventType.FAILED.value)
        .group_by(bucket, R.c.failure_reason)
    )
    for b, reason, n in conn.execute(q):
        counts.setdefault(int(b), Counter())[FAILURE_FIGURE.get(reason or "", "failed_other")] += (
            int(n)
        )
    fee = _json_number(conn, "fee_charged")
    fees: dict[int, Counter] = {}
    q = (
        select(bucket, R.c.currency, func.sum(fee))
        .select_from(joined)
        .where(in_range, fee > 0)
        .group_by(bucket, R.c.currency)
    )
    for b, currency, total in conn.execute(q):
        fees.setdefault(int(b), Counter())[currency] += int(total)
    tracker.prime_totals(
        now,
        evse_count(conn),
        last,
        counts=counts,
        fees=fees,
        held=_held_seconds(conn, first, end, iv),
        watched=_watched(conn, first, end),
        recent=_recent(conn, last, tracker.tail),
    )


def _held_window(first: int, end: int):
    return and_(
        R.c.scheduled_start_time >= first - MAX_DURATION,
        R.c.scheduled_start_time < end,
        R.c.scheduled_end_time > first,
    )


def _held_seconds(conn: Connection, first: int, end: int, iv: int) -> dict[int, int]:
    """Per interval, the seconds of it held by confirmed and completed slots (summed by the
    database over the slots that overlap the period: an index range on their start)."""
    s, e = R.c.scheduled_start_time, R.c.scheduled_end_time
    starts = list(range(first, end, iv))
    columns = [
        func.coalesce(
            func.sum(_greatest(conn, 0, _least(conn, e, b + iv) - _greatest(conn, s, b))), 0
        )
        for b in starts
    ]
    q = select(*columns).where(
        _held_window(first, end), unindexed_status.in_([x.value for x in SLOT_STATUSES])
    )
    row = conn.execute(q).one()
    return {b: int(v) for b, v in zip(starts, row, strict=True)}


def _watched(conn: Connection, first: int, end: int) -> list[HeldSlot]:
    """Held slots that may still change (confirmed) or reach past the period."""
    q = select(R.c.id, R.c.scheduled_start_time, R.c.scheduled_end_time).where(
        _held_window(first, end),
        or_(
            unindexed_status == Status.CONFIRMED.value,
            and_(unindexed_status == Status.COMPLETED.value, R.c.scheduled_end_time > end),
        ),
    )
    return [HeldSlot(rid, s, e) for rid, s, e in conn.execute(q)]


def _recent(conn: Connection, last: int, tail: int) -> list[int]:
    if not tail:
        return []
    q = select(E.c.seq).where(E.c.seq > last - tail, E.c.seq <= last)
    return [int(x) for x in conn.execute(q).scalars()]


def refresh(conn: Connection, tracker: KpiTracker, now: int, *, prime_now: bool = False) -> None:
    """Bring ``tracker`` to ``now`` in one read transaction: prime it (the first time, when its
    period changed, or when the clock moved past the whole period), else move the period on
    when an interval enters it and feed it the new events."""
    entering = tracker.entering(now) if not prime_now and tracker.end else []
    whole = len(entering) * tracker.interval >= tracker.length
    if prime_now or not tracker.end or whole:
        if conn.dialect.name == "postgresql":
            tracker.tail = PG_TAIL
        prime(conn, tracker, now)
        return
    if entering:
        lo, hi = entering[0], entering[-1] + tracker.interval
        tracker.roll(now, evse_count(conn), held_slots(conn, lo, hi))
    tracker.feed(events_after(conn, tracker.read_from))
