"""Local search after a greedy construction: place an unplaced request by ejecting batch requests
that can move elsewhere (:class:`Repair`), give one up for two (:func:`trade`), and move each
placed request to its best free position (:func:`polish`). Bounded by a budget of evaluations."""

from __future__ import annotations

from collections.abc import Sequence

from charge_tui.engine.placement import best_free
from charge_tui.engine.schedule import Request, Schedule


class Repair:
    """Bounded search for augmenting paths: place ``r`` by ejecting up to two requests of the batch
    whose slots it needs, if they can themselves be placed elsewhere (recursively, ``depth``
    ejection levels). Tentative moves are undone through the schedule's log."""

    MAX_EJECT = 2

    def __init__(self, sched: Schedule, by_id: dict[str, Request], budget: int) -> None:
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
        free = best_free(self.sched, r, "pref")
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


def trade(
    sched: Schedule, requests: Sequence[Request], by_id: dict[str, Request], budget: int
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
                best = best_free(sched, u, "pref")
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


def polish(sched: Schedule, placed: list[Request]) -> None:
    """Move each placed request to its best free position if that is closer to its preferred
    start (then nearer); never unplaces anything."""
    for _ in range(2):
        moved = False
        for r in sorted(placed, key=lambda x: (x.rank, x.id)):
            evse, start, end, dist = sched.remove(r.id)
            old_key = (abs(start - r.preferred), dist, evse, start)
            best = best_free(sched, r, "pref")
            assert best is not None  # its old position is free again
            new_key = (abs(best[1] - r.preferred), best[2], best[0], best[1])
            if new_key < old_key:
                sched.place(r.id, best[0], best[1], best[1] + r.duration, best[2])
                moved = True
            else:
                sched.place(r.id, evse, start, end, dist)
        if not moved:
            break
