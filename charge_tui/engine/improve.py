"""The improvement phase after the batch assignment: ruin and recreate, a large neighbourhood
search in the space of what is placed.

While some request that could be placed on its own is left out, and the budget lasts: take one
at random, free the batch's slots that stand in its way on one or two of its EVSEs around its
window (the ruin), then place the freed requests, it, and the other left-out ones that want that
room, in one of a few orders and by one of the placement rules, drawn at random (the recreate).
A recreate that places fewer is undone; as many is kept (it moves the search along a plateau);
more is kept and restarts the count of fruitless rounds. The search stops after ``patience``
fruitless rounds in a row or when the budget is spent; if it placed no more than it started
with, everything it did is undone, so a batch it cannot improve keeps the constructions' answer.

Deterministic: the random draws come from a generator seeded by the caller. Slots held before
the batch are never touched, and every placement comes from :func:`best_free`, inside the
request's window, on an EVSE it accepts.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from charge_tui.engine.oneevse import free_pieces, most_on_one
from charge_tui.engine.placement import best_free
from charge_tui.engine.repair import Repair
from charge_tui.engine.schedule import Request, Schedule

#: Fruitless rounds in a row before the search gives up (the evaluation budget caps it too).
PATIENCE = 400
RULES = ("pref", "fit", "early")
#: Share of the one-EVSE rounds re-planned exactly (:mod:`charge_tui.engine.oneevse`), and the
#: most requests such a round considers.
EXACT_SHARE = 0.5
EXACT_POOL = 14
#: When at least ``STEAL_FROM`` requests are left out, an exact one-EVSE round may also take
#: requests placed on other EVSEs around the stretch (up to ``STEAL_POOL`` in the round): their
#: slots go to the rest of the round, so that two EVSEs can trade long requests for short ones.
STEAL_FROM = 5
STEAL_POOL = 18
#: Evaluations a round's repair of what its recreate left out may use.
REPAIR_SHARE = 2_000


def _ordered(pool: list[Request], how: int, rng: random.Random) -> list[Request]:
    if how == 0:
        return sorted(pool, key=lambda r: (r.duration, r.slack, r.rank, r.id))
    if how == 1:
        return sorted(pool, key=lambda r: (r.slack, len(r.options), r.rank, r.id))
    if how == 2:
        return sorted(pool, key=lambda r: (r.hi, r.lo, r.rank, r.id))
    out = sorted(pool, key=lambda r: (r.rank, r.id))
    rng.shuffle(out)
    return out


def _taken_from_others(
    sched: Schedule,
    by_id: dict[str, Request],
    evse: str,
    lo: int,
    hi: int,
    room: int,
    rng: random.Random,
) -> list[Request]:
    """Up to ``room`` requests of the batch placed on EVSEs other than ``evse`` that also accept
    ``evse`` and whose slots overlap ``[lo, hi]``, removed from the schedule (drawn at random)."""
    if room <= 0:
        return []
    found = sorted(
        rid
        for rid, (e, s, t) in sched.where.items()
        if e != evse and s < hi and t > lo and any(o == evse for o, _d in by_id[rid].options)
    )
    rng.shuffle(found)
    taken = []
    for rid in found[:room]:
        sched.remove(rid)
        taken.append(by_id[rid])
    return taken


def _used(sched: Schedule, by_id: dict[str, Request]) -> int:
    """EVSE time the batch's placed requests take: at equal counts, less leaves more room."""
    return sum(by_id[rid].duration for rid in sched.where)


def improve(
    sched: Schedule,
    requests: Sequence[Request],
    by_id: dict[str, Request],
    budget: int,
    *,
    seed: int = 0,
    patience: int | None = None,
) -> int:
    """Place more of ``requests`` on ``sched`` if a ruin and recreate finds how; returns the
    budget left (in placement evaluations: options scanned)."""
    rng = random.Random(seed)
    origin = sched.mark()
    initial = len(sched.where)
    unplaced = sorted(
        (r for r in requests if r.id not in sched.where and r.options), key=lambda r: r.id
    )
    patience = PATIENCE if patience is None else patience
    steal = len(unplaced) >= STEAL_FROM
    fruitless = 0
    while unplaced and budget > 0 and fruitless < patience:
        u = rng.choice(unplaced)
        evses = [e for e, _d in u.options]
        chosen = rng.sample(evses, 1 if len(evses) == 1 or rng.random() < 0.6 else 2)
        margin = rng.choice((0, u.duration // 2, u.duration, 2 * u.duration))
        lo, hi = u.lo - margin, u.hi + margin
        mark = sched.mark()
        before = len(sched.where)
        before_key = (before, -_used(sched, by_id))
        pool: list[Request] = []
        for evse in chosen:
            for rid in sched.owned_overlapping(evse, lo, hi):
                sched.remove(rid)
                pool.append(by_id[rid])
        pool.append(u)
        pool += [
            v
            for v in unplaced
            if v is not u and v.lo < hi and v.hi > lo and any(e in chosen for e, _d in v.options)
        ]
        if len(chosen) == 1 and rng.random() < EXACT_SHARE:
            # Re-plan this stretch of the one EVSE exactly, then place the rest anywhere.
            evse = chosen[0]
            if steal:
                budget -= len(sched.where)
                pool += _taken_from_others(sched, by_id, evse, lo, hi, STEAL_POOL - len(pool), rng)
            fits = [r for r in pool if any(e == evse for e, _d in r.options)]
            budget -= 50 * len(fits)
            dist = {r.id: next(d for e, d in r.options if e == evse) for r in fits}
            for r, at in most_on_one(
                free_pieces(sched, evse), fits[: max(EXACT_POOL, STEAL_POOL if steal else 0)]
            ):
                sched.place(r.id, evse, at, at + r.duration, dist[r.id])
            pool = [r for r in pool if r.id not in sched.where]
        rule = rng.choice(RULES)
        left: list[Request] = []
        for r in _ordered(pool, rng.randrange(4), rng):
            budget -= len(r.options)
            best = best_free(sched, r, rule)
            if best is not None:
                sched.place(r.id, best[0], best[1], best[1] + r.duration, best[2])
            else:
                left.append(r)
        if left and len(sched.where) < before + 1:
            # What did not fit may still fit by moving one or two placed requests elsewhere.
            repair = Repair(sched, by_id, min(budget, REPAIR_SHARE))
            for r in left:
                repair.insert(r, 1, frozenset())
            budget -= min(budget, REPAIR_SHARE) - repair.budget
        after = len(sched.where)
        after_key = (after, -_used(sched, by_id))
        if after_key < before_key:
            sched.rollback(mark)
            fruitless += 1
            continue
        if after == before:
            fruitless += 1
        else:
            fruitless = 0
        unplaced = [r for r in unplaced if r.id not in sched.where]
        unplaced += [r for r in pool if r.id not in sched.where and r not in unplaced]
        unplaced.sort(key=lambda r: r.id)
    if len(sched.where) <= initial:
        sched.rollback(origin)
    return budget
