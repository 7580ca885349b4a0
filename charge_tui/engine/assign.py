"""Batch slot assignment: the pure core of the confirmation engine (SPEC §5).

Input: the requests that fall due in one tick (each with its feasible window, duration, preferred
start and candidate EVSEs) and the slots already held on those EVSEs. Output: an ``(EVSE, start)``
for as many requests as possible such that no two slots on one EVSE overlap; among solutions with
the same number of placed requests, starts close to the preferred start win, then stations close to
the centre of the service area.

The exact problem (interval scheduling with release times, deadlines and machine eligibility) is
NP-hard, so :func:`assign` is a heuristic that is measured against the exact optimum by
``benchmarks/assignment_quality.py``:

1. several greedy constructions (orders: most constrained first, deadline first, first come first
   served; placements: closest to the preferred start, earliest feasible start, tightest fit);
2. each followed by a *repair* pass: a request that found no free slot may eject one or two
   requests of the same batch whose slots it needs, if they can be placed elsewhere (a bounded
   search for augmenting paths);
3. a *polish* pass that moves each placed request to its best free position (closer to its
   preferred start, then nearer) without changing what is placed;
4. the best result by (placed, total distance from the preferred starts, total distance from the
   centres) is returned.

The ``fcfs`` strategy is the baseline the batch strategy is compared with: each request in arrival
order takes the slot the service's own :meth:`UnitOfWork.find_slot` would give it.

Slots already held in the store (``busy``) are never moved. Pure Python, no I/O; deterministic.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

#: Strategies understood by :func:`assign`.
STRATEGIES = ("batch", "fcfs")

#: Work allowed to the repair search per call, in (request, EVSE) placement evaluations, shared by
#: the constructions (keeps a tick bounded: about a quarter of a second at most).
DEFAULT_REPAIR_BUDGET = 150_000

#: Up to this many requests, fifteen constructions compete; up to LARGE_BATCH, four; beyond, one.
SMALL_BATCH = 60
LARGE_BATCH = 400

_INF = 1 << 62


@dataclass(frozen=True, slots=True)
class Request:
    """One reservation to place.

    ``lo``/``hi``: the slot must lie in ``[lo, hi]`` (``lo`` already clipped to "not before now").
    ``options``: ``(evse_id, distance_m)`` of the EVSEs it may use. ``rank``: arrival order (the
    engine's queue order), used by ``fcfs`` and to break ties.
    """

    id: str
    lo: int
    hi: int
    duration: int
    preferred: int
    options: tuple[tuple[str, float], ...]
    rank: int = 0

    @property
    def slack(self) -> int:
        return self.hi - self.lo - self.duration


@dataclass(frozen=True, slots=True)
class Placement:
    evse: str
    start: int
    end: int


class _Schedule:
    """Per EVSE, the sorted slots ``(start, end, owner)``; owner ``""`` = held before this batch.

    Every change is logged so that a tentative sequence of moves can be undone (:meth:`rollback`).
    """

    __slots__ = ("slots", "where", "dist", "log", "_own")

    def __init__(self, busy: Mapping[str, Iterable[tuple[int, int]]]) -> None:
        # An EVSE without slots is left out (every reader takes a missing EVSE as one without
        # slots): most EVSEs of a batch hold nothing.
        self.slots: dict[str, list[tuple[int, int, str]]] = {
            e: _merged(intervals) for e, intervals in busy.items() if intervals
        }
        self.where: dict[str, tuple[str, int, int]] = {}
        self.dist: dict[str, float] = {}
        self.log: list[tuple[bool, str, str, int, int, float]] = []
        # EVSEs whose slot list belongs to this schedule alone (the others are shared with the
        # schedule it was copied from, or copied to, and are copied before their first change).
        self._own: set[str] = set(self.slots)

    def copy(self) -> _Schedule:
        """A schedule that starts as this one; the slot lists are copied on first write."""
        other = _Schedule({})
        other.slots = dict(self.slots)
        other.where = dict(self.where)
        other.dist = dict(self.dist)
        self._own = set()
        return other

    def _mutable(self, evse: str) -> list[tuple[int, int, str]]:
        lst = self.slots.get(evse)
        if lst is None:
            lst = self.slots[evse] = []
            self._own.add(evse)
        elif evse not in self._own:
            lst = self.slots[evse] = list(lst)
            self._own.add(evse)
        return lst

    def gaps(
        self, evse: str, lo: int, hi: int, *, fixed_only: bool = False
    ) -> list[tuple[int, int, int, int]]:
        """Free pieces of ``[lo, hi]`` on ``evse`` as ``(a, b, A, B)``: the piece ``[a, b]`` and
        the whole free gap ``[A, B]`` it is cut from (``±_INF`` when unbounded). ``fixed_only``:
        ignore the batch's own slots."""
        out: list[tuple[int, int, int, int]] = []
        prev_end = -_INF
        slots = self.slots.get(evse, ())
        # Slots are disjoint and sorted: only the one just before ``lo`` can reach into it.
        # (``x if x > y else y`` is ``max(y, x)``, without the call.)
        for k in range(max(0, bisect.bisect_left(slots, (lo,)) - 1), len(slots)):
            s, t, owner = slots[k]
            if fixed_only and owner:
                continue
            if t <= lo:
                if t > prev_end:
                    prev_end = t
                continue
            a = lo if lo > prev_end else prev_end
            if s >= hi:
                if hi > a:
                    out.append((a, hi, prev_end, s))
                return out
            if s > a:
                out.append((a, s, prev_end, s))
            if t > prev_end:
                prev_end = t
        a = lo if lo > prev_end else prev_end
        if hi > a:
            out.append((a, hi, prev_end, _INF))
        return out

    def place(self, rid: str, evse: str, start: int, end: int, dist: float) -> None:
        bisect.insort(self._mutable(evse), (start, end, rid))
        self.where[rid] = (evse, start, end)
        self.dist[rid] = dist
        self.log.append((True, rid, evse, start, end, dist))

    def remove(self, rid: str) -> tuple[str, int, int, float]:
        evse, start, end = self.where.pop(rid)
        dist = self.dist.pop(rid)
        self._mutable(evse).remove((start, end, rid))
        self.log.append((False, rid, evse, start, end, dist))
        return evse, start, end, dist

    def mark(self) -> int:
        return len(self.log)

    def rollback(self, mark: int) -> None:
        while len(self.log) > mark:
            placed, rid, evse, start, end, dist = self.log.pop()
            if placed:
                del self.where[rid]
                del self.dist[rid]
                self._mutable(evse).remove((start, end, rid))
            else:
                bisect.insort(self._mutable(evse), (start, end, rid))
                self.where[rid] = (evse, start, end)
                self.dist[rid] = dist

    def owned_overlapping(self, evse: str, lo: int, hi: int) -> list[str]:
        slots = self.slots.get(evse, ())
        out = []
        for k in range(max(0, bisect.bisect_left(slots, (lo,)) - 1), len(slots)):
            s, t, owner = slots[k]
            if s >= hi:
                break
            if owner and t > lo:
                out.append(owner)
        return out


def _merged(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Held intervals as disjoint sorted slots (overlapping ones, which the store's invariant 1
    excludes anyway, are merged so that nothing is ever placed over any of them)."""
    out: list[tuple[int, int, str]] = []
    for s, t in sorted(intervals):
        if out and s < out[-1][1]:
            if t > out[-1][1]:
                out[-1] = (out[-1][0], t, "")
        else:
            out.append((s, t, ""))
    return out


def _candidates(
    sched: _Schedule, r: Request, evse: str
) -> list[tuple[int, int, int]]:  # (start, gap_A, gap_B)
    """Canonical starts of ``r`` on ``evse``: per free piece, its left edge, its right edge and the
    position closest to the preferred start."""
    d, pref = r.duration, r.preferred
    return [
        (start, ga, gb)
        for a, b, ga, gb in sched.gaps(evse, r.lo, r.hi)
        if b - a >= d
        for start in _starts(a, b, d, pref)
    ]


def _starts(a: int, b: int, d: int, pref: int) -> tuple[int, ...]:
    """The canonical starts of a ``d``-long slot in the free piece ``[a, b)`` (at least ``d``
    long): the one closest to ``pref``, the left edge, the right edge, each once, in that order.
    (``x if x > y else y`` is ``max``, without the call: the searches run this for every gap.)"""
    last = b - d
    c = pref if pref > a else a
    if c > last:
        c = last
    if c == a:
        return (c,) if last == c else (c, last)
    return (c, a) if last == c else (c, a, last)


def _score(rule: str, r: Request, start: int, dist: float, evse: str, ga: int, gb: int):
    cost = abs(start - r.preferred)
    if rule == "pref":
        return (cost, dist, evse, start)
    if rule == "early":
        return (start, cost, dist, evse)
    # "fit": hug a neighbour, prefer the gap that leaves the smallest fragment.
    left = start - ga if ga > -_INF else _INF
    right = gb - (start + r.duration) if gb < _INF else _INF
    return (min(left, right), max(left, right), cost, dist, evse, start)


def _best_pref(sched: _Schedule, r: Request) -> tuple[str, int, float] | None:
    """The free position closest to the preferred start, then nearest, then by EVSE id and start
    (the order of :meth:`UnitOfWork.find_slot`). Options are sorted by (distance, EVSE id), so the
    first EVSE free at the preferred start itself is the answer.

    The best key ``(cost, dist, evse, start)`` so far is kept in four variables. No EVSE can give
    a lower cost than ``free_cost``, the one of an EVSE holding nothing (the preferred start
    clamped to the window; only one start has that cost), so once the best has that cost an
    option can only beat it by a smaller ``(dist, evse)``: the others are skipped without looking
    at their slots, and an EVSE holding nothing that is not skipped is the new best."""
    lo, hi, d, pref = r.lo, r.hi, r.duration, r.preferred
    if hi - lo < d:
        return None
    free_start = min(max(pref, lo), hi - d)
    free_cost = abs(free_start - pref)
    best: tuple[str, int, float] | None = None
    best_cost, best_dist, best_evse, best_start = 0, 0.0, "", 0
    all_slots = sched.slots
    bisect_left = bisect.bisect_left
    for evse, dist in r.options:
        if best is not None and best_cost == free_cost:
            if dist > best_dist:
                if free_cost == 0:
                    break  # options come nearest first: none of the rest can do better
                continue
            if dist == best_dist and evse >= best_evse:
                continue
        slots = all_slots.get(evse)
        if not slots:
            # Not skipped above: (free_cost, dist, evse, free_start) beats the best so far.
            best_cost, best_dist, best_evse, best_start = free_cost, dist, evse, free_start
            best = (evse, free_start, dist)
            continue
        cursor = lo
        k = bisect_left(slots, (lo,))
        if k > 0 and slots[k - 1][1] > cursor:
            cursor = slots[k - 1][1]
        n = len(slots)
        while True:
            if k < n:
                s, t, _o = slots[k]
                b = s if s < hi else hi
            else:
                t = cursor
                b = hi
            if b - cursor >= d:
                start = pref if pref > cursor else cursor
                if start > b - d:
                    start = b - d
                cost = start - pref if start >= pref else pref - start
                if (
                    best is None
                    or cost < best_cost
                    or (
                        cost == best_cost
                        and (dist, evse, start) < (best_dist, best_evse, best_start)
                    )
                ):
                    best_cost, best_dist, best_evse, best_start = cost, dist, evse, start
                    best = (evse, start, dist)
                if start >= pref:
                    # The later gaps of this EVSE start later still: farther from ``pref``.
                    break
            if k >= n or b >= hi or s >= hi:
                break
            if t > cursor:
                cursor = t
            k += 1
            if cursor >= hi:
                break
    return best


def _best_free(
    sched: _Schedule, r: Request, rule: str, only: str | None = None
) -> tuple[str, int, float] | None:
    """The free position of ``r`` with the lowest :func:`_score` among the :func:`_candidates`
    of its options (the first one on ties), as ``(evse, start, dist)``."""
    if only is None:
        if rule == "pref":
            return _best_pref(sched, r)
        if rule == "early":
            return _best_early(sched, r)
        return _best_fit(sched, r)
    best = None
    best_key = None
    for evse, dist in r.options:
        if evse != only:
            continue
        for start, ga, gb in _candidates(sched, r, evse):
            key = _score(rule, r, start, dist, evse, ga, gb)
            if best_key is None or key < best_key:
                best_key, best = key, (evse, start, dist)
    return best


# :func:`_best_early` and :func:`_best_fit` are :func:`_best_free`'s generic loop with
# :func:`_candidates` and :func:`_score` inlined: the same starts (:func:`_starts`) in the same
# order, the same keys (``x if x < y else y`` and the like are ``min``/``max``/``abs`` on ints,
# without the calls).


def _best_early(sched: _Schedule, r: Request) -> tuple[str, int, float] | None:
    lo, hi, d, pref = r.lo, r.hi, r.duration, r.preferred
    all_slots = sched.slots
    gaps = sched.gaps
    a0 = max(-_INF, lo)
    no_slots = ((a0, hi, -_INF, _INF),) if hi > a0 else ()  # sched.gaps() of an empty EVSE
    best = None
    best_key: tuple | None = None
    for evse, dist in r.options:
        for a, b, _ga, _gb in gaps(evse, lo, hi) if all_slots.get(evse) else no_slots:
            if b - a < d:
                continue
            for start in _starts(a, b, d, pref):
                key = (start, start - pref if start >= pref else pref - start, dist, evse)
                if best_key is None or key < best_key:
                    best_key, best = key, (evse, start, dist)
    return best


def _best_fit(sched: _Schedule, r: Request) -> tuple[str, int, float] | None:
    """Besides the inlining: on an EVSE holding nothing, the one gap is unbounded on both sides,
    so every start scores ``(_INF, _INF, cost, ...)`` and only the first candidate, the one
    closest to the preferred start (each other one has a higher cost), can win."""
    lo, hi, d, pref = r.lo, r.hi, r.duration, r.preferred
    all_slots = sched.slots
    gaps = sched.gaps
    a0 = max(-_INF, lo)
    free_start = None  # the start on an EVSE holding nothing, if ``r`` fits there
    free_cost = 0
    if hi > a0 and hi - a0 >= d:
        free_start = min(max(pref, a0), hi - d)
        free_cost = abs(free_start - pref)
    best = None
    best_key: tuple | None = None
    for evse, dist in r.options:
        if not all_slots.get(evse):
            if free_start is not None:
                key: tuple = (_INF, _INF, free_cost, dist, evse, free_start)
                if best_key is None or key < best_key:
                    best_key, best = key, (evse, free_start, dist)
            continue
        for a, b, ga, gb in gaps(evse, lo, hi):
            if b - a < d:
                continue
            for start in _starts(a, b, d, pref):
                cost = start - pref if start >= pref else pref - start
                # "fit": hug a neighbour, prefer the gap that leaves the smallest fragment.
                left = start - ga if ga > -_INF else _INF
                right = gb - (start + d) if gb < _INF else _INF
                if left <= right:
                    key = (left, right, cost, dist, evse, start)
                else:
                    key = (right, left, cost, dist, evse, start)
                if best_key is None or key < best_key:
                    best_key, best = key, (evse, start, dist)
    return best


def _order(requests: Sequence[Request], name: str) -> list[Request]:
    if name == "constrained":
        return sorted(
            requests,
            key=lambda r: (len(r.options), r.slack, -r.duration, r.rank, r.id),
        )
    if name == "deadline":
        return sorted(requests, key=lambda r: (r.hi, r.lo, r.rank, r.id))
    if name == "slack":
        return sorted(requests, key=lambda r: (r.slack, len(r.options), r.rank, r.id))
    if name == "short":
        return sorted(requests, key=lambda r: (r.duration, len(r.options), r.slack, r.rank, r.id))
    return sorted(requests, key=lambda r: (r.rank, r.id))


class _Repair:
    """Bounded search for augmenting paths: place ``r`` by ejecting up to two requests of the batch
    whose slots it needs, if they can themselves be placed elsewhere (recursively, ``depth``
    ejection levels). Tentative moves are undone through the schedule's log."""

    MAX_EJECT = 2

    def __init__(self, sched: _Schedule, by_id: dict[str, Request], budget: int) -> None:
        self.sched = sched
        self.by_id = by_id
        self.budget = budget

    def positions(self, r: Request, evse: str) -> list[int]:
        """Starts of ``r`` on ``evse`` that are free of fixed slots and aligned with a gap edge, a
        batch slot's boundary or the preferred start, closest to the preferred start first."""
        d = r.duration
        out: set[int] = set()
        owned = [(s, t) for s, t, o in self.sched.slots.get(evse, ()) if o]
        for a, b, _ga, _gb in self.sched.gaps(evse, r.lo, r.hi, fixed_only=True):
            if b - a < d:
                continue
            last = b - d
            out.update((a, last, min(max(r.preferred, a), last)))
            for s, t in owned:
                if a <= t <= last:
                    out.add(t)
                if a <= s - d <= last:
                    out.add(s - d)
        return sorted(out, key=lambda x: (abs(x - r.preferred), x))

    def insert(self, r: Request, depth: int, banned: frozenset[str]) -> bool:
        if self.budget <= 0:
            return False
        self.budget -= len(r.options)
        free = _best_free(self.sched, r, "pref")
        if free is not None:
            evse, start, dist = free
            self.sched.place(r.id, evse, start, start + r.duration, dist)
            return True
        if depth <= 0:
            return False
        for evse, dist in r.options:
            for start in self.positions(r, evse):
                if self.budget <= 0:
                    return False
                end = start + r.duration
                conflict = self.sched.owned_overlapping(evse, start, end)
                if not conflict or len(conflict) > self.MAX_EJECT or banned.intersection(conflict):
                    continue
                self.budget -= 1
                mark = self.sched.mark()
                for q in conflict:
                    self.sched.remove(q)
                self.sched.place(r.id, evse, start, end, dist)
                inner = banned | {r.id} | set(conflict)
                if all(self.insert(self.by_id[q], depth - 1, inner) for q in conflict):
                    return True
                self.sched.rollback(mark)
        return False


def _trade(
    sched: _Schedule, requests: Sequence[Request], by_id: dict[str, Request], budget: int
) -> int:
    """Give up one placed request of the batch if that lets two or more unplaced ones in (a net
    gain); repeat while it helps. Returns the budget left."""
    improved = True
    while improved and budget > 0:
        improved = False
        unplaced = sorted(
            (r for r in requests if r.id not in sched.where and r.options),
            key=lambda r: (r.duration, r.rank, r.id),
        )
        if len(unplaced) < 2:
            break
        placed = sorted(
            (by_id[rid] for rid in sched.where), key=lambda r: (-r.duration, r.rank, r.id)
        )
        for q in placed:
            q_evse = sched.where[q.id][0]
            lo, hi = sched.where[q.id][1], sched.where[q.id][2]
            near = [
                u
                for u in unplaced
                if u.lo < hi and u.hi > lo and any(e == q_evse for e, _d in u.options)
            ]
            if len(near) < 2:
                continue
            mark = sched.mark()
            sched.remove(q.id)
            gained = 0
            for u in near:
                budget -= len(u.options)
                best = _best_free(sched, u, "pref")
                if best is not None:
                    sched.place(u.id, best[0], best[1], best[1] + u.duration, best[2])
                    gained += 1
            if gained >= 2:
                improved = True
                break
            sched.rollback(mark)
            if budget <= 0:
                break
    return budget


def _polish(sched: _Schedule, placed: list[Request]) -> None:
    """Move each placed request to its best free position if that is closer to its preferred
    start (then nearer); never unplaces anything."""
    for _ in range(2):
        moved = False
        for r in sorted(placed, key=lambda x: (x.rank, x.id)):
            evse, start, end, dist = sched.remove(r.id)
            old_key = (abs(start - r.preferred), dist, evse, start)
            best = _best_free(sched, r, "pref")
            assert best is not None  # its old position is free again
            new_key = (abs(best[1] - r.preferred), best[2], best[0], best[1])
            if new_key < old_key:
                sched.place(r.id, best[0], best[1], best[1] + r.duration, best[2])
                moved = True
            else:
                sched.place(r.id, evse, start, end, dist)
        if not moved:
            break


def _quality(sched: _Schedule, by_id: dict[str, Request]) -> tuple[int, int, float]:
    pref = 0
    dist = 0.0
    for rid, (_evse, start, _end) in sched.where.items():
        pref += abs(start - by_id[rid].preferred)
        dist += sched.dist[rid]
    return (-len(sched.where), pref, dist)


def _construct(
    base: _Schedule,
    requests: Sequence[Request],
    order: str,
    rule: str,
    by_id: dict[str, Request],
    repair_budget: int,
    depth: int,
) -> _Schedule:
    sched = base.copy()
    unplaced: list[Request] = []
    for r in _order(requests, order):
        best = _best_free(sched, r, rule)
        if best is None:
            unplaced.append(r)
        else:
            sched.place(r.id, best[0], best[1], best[1] + r.duration, best[2])
    if not unplaced and rule == "pref":
        # Each request took the best position left at its turn; later ones only took more room,
        # so no request can move closer to its preferred start: polishing would change nothing.
        return sched
    if unplaced and repair_budget > 0:
        repair = _Repair(sched, by_id, repair_budget)
        for r in unplaced:
            repair.insert(r, depth, frozenset())
        left = _trade(sched, requests, by_id, repair.budget)
        if left < repair.budget:  # trades happened: what they left out may fit by repair now
            repair.budget = left
            for r in _order(requests, order):
                if r.id not in sched.where and r.options:
                    repair.insert(r, depth, frozenset())
    _polish(sched, [by_id[i] for i in sched.where])
    return sched


def assign(
    requests: Sequence[Request],
    busy: Mapping[str, Iterable[tuple[int, int]]],
    *,
    strategy: str = "batch",
    repair_budget: int = DEFAULT_REPAIR_BUDGET,
) -> dict[str, Placement]:
    """Placements for the requests that can be placed (the others are absent from the result)."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")
    if not requests:
        return {}
    base = _Schedule(busy)
    if strategy == "fcfs":
        sched = base.copy()
        for r in _order(requests, "fcfs"):
            best = _best_free(sched, r, "pref")
            if best is not None:
                sched.place(r.id, best[0], best[1], best[1] + r.duration, best[2])
        return _result(sched)
    # Only requests that could be placed if they were alone compete (the others are blocked by
    # slots held before this batch, whatever the batch does); their number bounds the result.
    requests = [r for r in requests if _best_free(base, r, "pref") is not None]
    if not requests:
        return {}
    bound = len(requests)
    by_id = {r.id: r for r in requests}
    n = len(requests)
    if n <= SMALL_BATCH:
        variants = [
            (order, rule)
            for order in ("constrained", "short", "deadline", "slack", "fcfs")
            for rule in ("pref", "fit", "early")
        ]
    elif n <= LARGE_BATCH:
        variants = [(o, r) for o in ("constrained", "short") for r in ("pref", "fit")]
    else:
        variants = [("constrained", "pref")]
    # Repair work grows with the batch (a few hundred evaluations per request), up to the cap.
    budget = min(repair_budget, 2000 * n) // len(variants)
    best: _Schedule | None = None
    best_q = None
    for order, rule in variants:
        sched = _construct(base, requests, order, rule, by_id, budget, depth=2)
        q = _quality(sched, by_id)
        if best_q is None or q < best_q:
            best, best_q = sched, q
        if -q[0] == bound and rule == "pref":
            # Everything placeable placed with preference-first choices: nothing to gain.
            break
    assert best is not None
    return _result(best)


def _result(sched: _Schedule) -> dict[str, Placement]:
    return {rid: Placement(e, s, t) for rid, (e, s, t) in sched.where.items()}


def check_placements(
    requests: Sequence[Request],
    busy: Mapping[str, Iterable[tuple[int, int]]],
    placements: Mapping[str, Placement],
) -> list[str]:
    """What is wrong with ``placements`` (empty when they are valid); used by tests."""
    errors: list[str] = []
    by_id = {r.id: r for r in requests}
    used = {p.evse for p in placements.values()}
    per_evse: dict[str, list[tuple[int, int, str]]] = {
        e: [(s, t, "(held)") for s, t in busy.get(e, ())] for e in used
    }
    for rid, p in placements.items():
        r = by_id.get(rid)
        if r is None:
            errors.append(f"{rid}: not a request")
            continue
        if p.end - p.start != r.duration:
            errors.append(f"{rid}: wrong duration")
        if p.start < r.lo or p.end > r.hi:
            errors.append(f"{rid}: outside its window")
        if not any(e == p.evse for e, _d in r.options):
            errors.append(f"{rid}: EVSE {p.evse} is not one of its options")
        per_evse.setdefault(p.evse, []).append((p.start, p.end, rid))
    for evse, slots in per_evse.items():
        slots.sort()
        for (_s1, e1, r1), (s2, _e2, r2) in zip(slots, slots[1:], strict=False):
            if s2 < e1:
                errors.append(f"{evse}: {r1} overlaps {r2}")
    return errors
