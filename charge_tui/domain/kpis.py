"""Operations KPIs over a sliding period, kept up to date from the event log (SPEC §11).

The period (the last hour, an 8-hour shift or a day) is cut into intervals aligned on the clock
(5 min, 30 min, 1 h): the last one holds ``now``. Per interval the tracker counts what the
events say (confirmations, failures by reason, cancellations, no-shows, fees charged) and sums
the EVSE time held by confirmed and completed slots, from which come the acceptance rate
(confirmed / (confirmed + failed)) and the utilisation (held time / (EVSEs x interval)). Held
time includes the part of the current interval still ahead: it is booked.

Incremental: :class:`KpiTracker` is primed once (the period's events, the slots that overlap it)
and then fed only what is new: events after the last ``seq`` it saw (with the current state of
their reservations, which moves slots in and out), and, when an interval enters the period, the
slots starting in it. Pure: the store's reads are in ``store/kpis.py``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from charge_tui.domain.enums import SLOT_HOLDING, EventType, FailureReason

#: name -> (period length, interval length), seconds.
PERIODS: dict[str, tuple[int, int]] = {
    "hour": (3600, 300),
    "shift": (8 * 3600, 1800),
    "day": (86400, 3600),
}
PERIOD_LABEL = {"hour": "last hour", "shift": "last 8 h", "day": "last 24 h"}

#: The counted figures, in the order the strip shows them.
COUNTED = (
    "confirmed",
    "failed_no_slot",
    "failed_payment",
    "failed_other",
    "cancelled",
    "no_shows",
)
FAILURE_FIGURE = {
    FailureReason.NO_AVAILABLE_CONNECTORS.value: "failed_no_slot",
    FailureReason.PAYMENT_FAILED.value: "failed_payment",
    FailureReason.OTHER.value: "failed_other",
}
HOLDING = frozenset(s.value for s in SLOT_HOLDING)


@dataclass(frozen=True, slots=True)
class KpiEvent:
    """One event as the KPIs need it, with the current state of its reservation."""

    seq: int
    reservation_id: str
    type: str
    created: int
    fee: int
    no_show: bool
    #: The reservation now: its status, failure reason, currency and slot.
    status: str
    failure_reason: str | None
    currency: str
    start: int | None
    end: int | None


@dataclass(frozen=True, slots=True)
class HeldSlot:
    reservation_id: str
    start: int
    end: int


@dataclass(frozen=True)
class KpiSnapshot:
    """What the strip shows: per figure, its total over the period and its value per interval."""

    period: str
    starts: tuple[int, ...]
    interval: int
    series: dict[str, tuple[float, ...]]
    totals: dict[str, float | None]
    currency: str


def counted_figure(e: KpiEvent) -> str | None:
    if e.type == EventType.CONFIRMED:
        return "confirmed"
    if e.type == EventType.FAILED:
        return FAILURE_FIGURE.get(e.failure_reason or "", "failed_other")
    if e.type == EventType.CANCELLED:
        return "cancelled"
    if e.type == EventType.EXPIRED and e.no_show:
        return "no_shows"
    return None


def _overlap(a: int, b: int, lo: int, hi: int) -> int:
    return max(0, min(b, hi) - max(a, lo))


@dataclass
class KpiTracker:
    period: str
    #: Start of the first interval shown and of the one after the last (``end``).
    first: int = 0
    end: int = 0
    last_seq: int = 0
    evses: int = 0
    counts: dict[int, Counter] = field(default_factory=dict)
    fees: dict[int, Counter] = field(default_factory=dict)
    held: dict[int, int] = field(default_factory=dict)
    slots: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: Events up to ``tail`` below the last ``seq`` are read again (PostgreSQL may commit a
    #: lower ``seq`` after a higher one); ``recent`` holds those already counted.
    tail: int = 0
    recent: set[int] = field(default_factory=set)

    @property
    def length(self) -> int:
        return PERIODS[self.period][0]

    @property
    def interval(self) -> int:
        return PERIODS[self.period][1]

    def window_at(self, now: int) -> tuple[int, int]:
        """``(first, end)`` of the period that holds ``now`` in its last interval."""
        iv = self.interval
        end = (now // iv + 1) * iv
        return end - self.length, end

    def starts(self) -> range:
        return range(self.first, self.end, self.interval)

    # ------------------------------------------------------------------ priming
    def prime_totals(
        self,
        now: int,
        evses: int,
        seq: int,
        *,
        counts: dict[int, Counter],
        fees: dict[int, Counter],
        held: dict[int, int],
        watched: Iterable[HeldSlot],
        recent: Iterable[int] = (),
    ) -> None:
        """Start over at ``now`` from totals the store computed: per interval the counted
        figures, fees per currency and held seconds; ``watched``, the held slots that may still
        change or reach past the period (confirmed ones, and those ending after it), whose time
        is already in ``held``. Completed slots inside the period never change: not watched."""
        self.first, self.end = self.window_at(now)
        self.evses = evses
        self.last_seq = seq
        self.recent = set(recent)
        self.counts = {b: Counter(c) for b, c in counts.items()}
        self.fees = {b: Counter(c) for b, c in fees.items()}
        self.held = {b: held.get(b, 0) for b in self.starts()}
        self.slots = {s.reservation_id: (s.start, s.end) for s in watched}

    # ------------------------------------------------------------------ moving on
    def entering(self, now: int) -> list[int]:
        """Starts of the intervals that enter the period when the clock reaches ``now`` (empty
        when none does; the whole period when it moved past it: prime again then)."""
        first, end = self.window_at(now)
        if end <= self.end:
            return []
        return list(range(max(self.end, first), end, self.interval))

    def roll(self, now: int, evses: int, new_slots: Iterable[HeldSlot]) -> None:
        """Move the period to hold ``now``: intervals that leave are dropped; those that enter
        get the time of slots already known and ``new_slots`` (the slots starting in them)."""
        first, end = self.window_at(now)
        old_end = self.end
        self.first, self.end, self.evses = first, end, evses
        for table in (self.counts, self.fees, self.held):
            for b in [b for b in table if b < first]:
                del table[b]
        for b in range(max(old_end, first), end, self.interval):
            self.held[b] = sum(_overlap(s, t, b, b + self.interval) for s, t in self.slots.values())
        for rid in [rid for rid, (_s, t) in self.slots.items() if t <= first]:
            del self.slots[rid]
        for s in new_slots:
            if s.reservation_id not in self.slots:
                self._set_slot(s.reservation_id, (s.start, s.end))

    @property
    def read_from(self) -> int:
        """The ``seq`` after which the next read starts."""
        return max(0, self.last_seq - self.tail)

    def feed(self, events: Iterable[KpiEvent]) -> None:
        """Events after :attr:`read_from`, in ``seq`` order (those already counted are skipped)."""
        for e in events:
            if e.seq <= self.read_from or e.seq in self.recent:
                continue
            if self.tail:
                self.recent.add(e.seq)
            self.last_seq = max(self.last_seq, e.seq)
            self._count(e)
        floor = self.read_from
        self.recent = {s for s in self.recent if s > floor}

    # ------------------------------------------------------------------ internals
    def _count(self, e: KpiEvent) -> None:
        held = e.status in HOLDING and e.start is not None and e.end is not None
        self._set_slot(e.reservation_id, (e.start, e.end) if held else None)  # type: ignore[arg-type]
        # Events are kept for the intervals still to come too (a clock a little behind the
        # writer's): they count when their interval enters.
        if e.created < self.first:
            return
        b = e.created - (e.created - self.first) % self.interval
        figure = counted_figure(e)
        if figure is not None:
            self.counts.setdefault(b, Counter())[figure] += 1
        if e.fee:
            self.fees.setdefault(b, Counter())[e.currency] += e.fee

    def _set_slot(self, rid: str, slot: tuple[int, int] | None) -> None:
        if slot is not None and not (slot[0] < self.end and slot[1] > self.first):
            slot = None
        old = self.slots.get(rid)
        if old == slot:
            return
        iv = self.interval
        for sign, s in ((-1, old), (1, slot)):
            if s is None:
                continue
            lo = max(self.first, s[0] - (s[0] - self.first) % iv)
            for b in range(lo, min(self.end, s[1]), iv):
                self.held[b] = self.held.get(b, 0) + sign * _overlap(s[0], s[1], b, b + iv)
        if slot is None:
            self.slots.pop(rid, None)
        else:
            self.slots[rid] = slot

    # ------------------------------------------------------------------ reading
    def held_seconds(self) -> list[int]:
        return [self.held.get(b, 0) for b in self.starts()]

    def counted(self, figure: str) -> list[int]:
        return [self.counts.get(b, Counter())[figure] for b in self.starts()]

    def snapshot(self) -> KpiSnapshot:
        starts = tuple(self.starts())
        series: dict[str, tuple[float, ...]] = {}
        totals: dict[str, float | None] = {}
        for figure in COUNTED:
            values = self.counted(figure)
            series[figure] = tuple(values)
            totals[figure] = sum(values)
        failed = [
            sum(x)
            for x in zip(*(series[f] for f in COUNTED if f.startswith("failed_")), strict=True)
        ]
        decided = [c + f for c, f in zip(series["confirmed"], failed, strict=True)]
        series["acceptance"] = tuple(
            (c / d if d else 0.0) for c, d in zip(series["confirmed"], decided, strict=True)
        )
        total_decided = sum(decided)
        totals["acceptance"] = (
            totals["confirmed"] / total_decided if total_decided else None  # type: ignore[operator]
        )
        capacity = self.evses * self.interval
        held = self.held_seconds()
        series["utilisation"] = tuple((h / capacity if capacity else 0.0) for h in held)
        totals["utilisation"] = sum(held) / (capacity * len(held)) if capacity and held else None
        by_currency: Counter = Counter()
        for b in starts:
            by_currency.update(self.fees.get(b, Counter()))
        currency = by_currency.most_common(1)[0][0] if by_currency else "usd"
        series["fees"] = tuple(self.fees.get(b, Counter())[currency] for b in starts)
        totals["fees"] = by_currency[currency]
        return KpiSnapshot(self.period, starts, self.interval, series, totals, currency)


def next_period(period: str) -> str:
    names = list(PERIODS)
    return names[(names.index(period) + 1) % len(names)]


__all__ = [
    "COUNTED",
    "PERIODS",
    "HeldSlot",
    "KpiEvent",
    "KpiSnapshot",
    "KpiTracker",
    "next_period",
]
