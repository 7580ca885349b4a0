"""Placement rules of the batch assignment: where one request goes on a schedule (closest to its
preferred start, earliest, tightest fit), among the free positions of its candidate EVSEs."""

from __future__ import annotations

import bisect

from charge_tui.engine.schedule import INF, Request, Schedule


def candidates(
    sched: Schedule, r: Request, evse: str
) -> list[tuple[int, int, int]]:  # (start, gap_A, gap_B)
    """Canonical starts of ``r`` on ``evse``: per free piece, its left edge, its right edge and the
    position closest to the preferred start."""
    d, pref = r.duration, r.preferred
    return [
        (start, ga, gb)
        for a, b, ga, gb in sched.gaps(evse, r.lo, r.hi)
        if b - a >= d
        for start in starts(a, b, d, pref)
    ]


def starts(a: int, b: int, d: int, pref: int) -> tuple[int, ...]:
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


def score(rule: str, r: Request, start: int, dist: float, evse: str, ga: int, gb: int):
    cost = abs(start - r.preferred)
    if rule == "pref":
        return (cost, dist, evse, start)
    if rule == "early":
        return (start, cost, dist, evse)
    # "fit": hug a neighbour, prefer the gap that leaves the smallest fragment.
    left = start - ga if ga > -INF else INF
    right = gb - (start + r.duration) if gb < INF else INF
    return (min(left, right), max(left, right), cost, dist, evse, start)


def best_pref(sched: Schedule, r: Request) -> tuple[str, int, float] | None:
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


def best_free(
    sched: Schedule, r: Request, rule: str, only: str | None = None
) -> tuple[str, int, float] | None:
    """The free position of ``r`` with the lowest :func:`score` among the :func:`candidates`
    of its options (the first one on ties), as ``(evse, start, dist)``."""
    if only is None:
        if rule == "pref":
            return best_pref(sched, r)
        if rule == "early":
            return best_early(sched, r)
        return best_fit(sched, r)
    best = None
    best_key = None
    for evse, dist in r.options:
        if evse != only:
            continue
        for start, ga, gb in candidates(sched, r, evse):
            key = score(rule, r, start, dist, evse, ga, gb)
            if best_key is None or key < best_key:
                best_key, best = key, (evse, start, dist)
    return best


# :func:`best_early` and :func:`best_fit` are :func:`best_free`'s generic loop with
# :func:`candidates` and :func:`score` inlined: the same starts (:func:`starts`) in the same
# order, the same keys (``x if x < y else y`` and the like are ``min``/``max``/``abs`` on ints,
# without the calls).


def best_early(sched: Schedule, r: Request) -> tuple[str, int, float] | None:
    lo, hi, d, pref = r.lo, r.hi, r.duration, r.preferred
    all_slots = sched.slots
    gaps = sched.gaps
    a0 = max(-INF, lo)
    no_slots = ((a0, hi, -INF, INF),) if hi > a0 else ()  # sched.gaps() of an empty EVSE
    best = None
    best_key: tuple | None = None
    for evse, dist in r.options:
        for a, b, _ga, _gb in gaps(evse, lo, hi) if all_slots.get(evse) else no_slots:
            if b - a < d:
                continue
            for start in starts(a, b, d, pref):
                key = (start, start - pref if start >= pref else pref - start, dist, evse)
                if best_key is None or key < best_key:
                    best_key, best = key, (evse, start, dist)
    return best


def best_fit(sched: Schedule, r: Request) -> tuple[str, int, float] | None:
    """Besides the inlining: on an EVSE holding nothing, the one gap is unbounded on both sides,
    so every start scores ``(INF, INF, cost, ...)`` and only the first candidate, the one
    closest to the preferred start (each other one has a higher cost), can win."""
    lo, hi, d, pref = r.lo, r.hi, r.duration, r.preferred
    all_slots = sched.slots
    gaps = sched.gaps
    a0 = max(-INF, lo)
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
                key: tuple = (INF, INF, free_cost, dist, evse, free_start)
                if best_key is None or key < best_key:
                    best_key, best = key, (evse, free_start, dist)
            continue
        for a, b, ga, gb in gaps(evse, lo, hi):
            if b - a < d:
                continue
            for start in starts(a, b, d, pref):
                cost = start - pref if start >= pref else pref - start
                # "fit": hug a neighbour, prefer the gap that leaves the smallest fragment.
                left = start - ga if ga > -INF else INF
                right = gb - (start + d) if gb < INF else INF
                if left <= right:
                    key = (left, right, cost, dist, evse, start)
                else:
                    key = (right, left, cost, dist, evse, start)
                if best_key is None or key < best_key:
                    best_key, best = key, (evse, start, dist)
    return best
