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

from collections.abc import Iterable, Mapping, Sequence

from charge_tui.engine.improve import improve
from charge_tui.engine.placement import best_free
from charge_tui.engine.repair import Repair, polish, trade
from charge_tui.engine.schedule import Placement, Request, Schedule

#: Strategies understood by :func:`assign`.
STRATEGIES = ("batch", "fcfs")

#: Work allowed to the repair search per call, in (request, EVSE) placement evaluations, shared by
#: the constructions (keeps a tick bounded: about a quarter of a second at most).
DEFAULT_REPAIR_BUDGET = 150_000

#: Work allowed to the improvement phase (:mod:`charge_tui.engine.improve`) per call.
IMPROVE_BUDGET = 400_000

#: Up to this many requests, fifteen constructions compete; up to LARGE_BATCH, four; beyond, one.
SMALL_BATCH = 60
LARGE_BATCH = 400

INF = 1 << 62


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


def _quality(sched: Schedule, by_id: dict[str, Request]) -> tuple[int, int, float]:
    pref = 0
    dist = 0.0
    for rid, (_evse, start, _end) in sched.where.items():
        pref += abs(start - by_id[rid].preferred)
        dist += sched.dist[rid]
    return (-len(sched.where), pref, dist)


def _construct(
    base: Schedule,
    requests: Sequence[Request],
    order: str,
    rule: str,
    by_id: dict[str, Request],
    repair_budget: int,
    depth: int,
) -> Schedule:
    sched = base.copy()
    unplaced: list[Request] = []
    for r in _order(requests, order):
        best = best_free(sched, r, rule)
        if best is None:
            unplaced.append(r)
        else:
            sched.place(r.id, best[0], best[1], best[1] + r.duration, best[2])
    if not unplaced and rule == "pref":
        # Each request took the best position left at its turn; later ones only took more room,
        # so no request can move closer to its preferred start: polishing would change nothing.
        return sched
    if unplaced and repair_budget > 0:
        repair = Repair(sched, by_id, repair_budget)
        for r in unplaced:
            repair.insert(r, depth, frozenset())
        left = trade(sched, requests, by_id, repair.budget)
        if left < repair.budget:  # trades happened: what they left out may fit by repair now
            repair.budget = left
            for r in _order(requests, order):
                if r.id not in sched.where and r.options:
                    repair.insert(r, depth, frozenset())
    polish(sched, [by_id[i] for i in sched.where])
    return sched


def assign(
    requests: Sequence[Request],
    busy: Mapping[str, Iterable[tuple[int, int]]],
    *,
    strategy: str = "batch",
    repair_budget: int = DEFAULT_REPAIR_BUDGET,
    improve_budget: int = IMPROVE_BUDGET,
) -> dict[str, Placement]:
    """Placements for the requests that can be placed (the others are absent from the result)."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, got {strategy!r}")
    if not requests:
        return {}
    base = Schedule(busy)
    if strategy == "fcfs":
        sched = base.copy()
        for r in _order(requests, "fcfs"):
            best = best_free(sched, r, "pref")
            if best is not None:
                sched.place(r.id, best[0], best[1], best[1] + r.duration, best[2])
        return _result(sched)
    # Only requests that could be placed if they were alone compete (the others are blocked by
    # slots held before this batch, whatever the batch does); their number bounds the result.
    requests = [r for r in requests if best_free(base, r, "pref") is not None]
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
    best: Schedule | None = None
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
    if len(best.where) < bound and improve_budget > 0:
        improve(best, requests, by_id, improve_budget, seed=n)
        polish(best, [by_id[i] for i in best.where])
    return _result(best)


def _result(sched: Schedule) -> dict[str, Placement]:
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
