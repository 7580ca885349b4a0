"""The batch assignment's working state: the requests of one tick, where each is placed, and
each candidate EVSE's slots (held in the store, or placed by this batch) with an undo log."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: Beyond any time (an unbounded gap's edge).
INF = 1 << 62


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


class Schedule:
    """Per EVSE, the sorted slots ``(start, end, owner)``; owner ``""`` = held before this batch.

    Every change is logged so that a tentative sequence of moves can be undone (:meth:`rollback`).
    """

    __slots__ = ("slots", "where", "dist", "log", "_own")

    def __init__(self, busy: Mapping[str, Iterable[tuple[int, int]]]) -> None:
        # An EVSE without slots is left out (every reader takes a missing EVSE as one without
        # slots): most EVSEs of a batch hold nothing.
        self.slots: dict[str, list[tuple[int, int, str]]] = {
            e: merged(intervals) for e, intervals in busy.items() if intervals
        }
        self.where: dict[str, tuple[str, int, int]] = {}
        self.dist: dict[str, float] = {}
        self.log: list[tuple[bool, str, str, int, int, float]] = []
        # EVSEs whose slot list belongs to this schedule alone (the others are shared with the
        # schedule it was copied from, or copied to, and are copied before their first change).
        self._own: set[str] = set(self.slots)

    def copy(self) -> Schedule:
        """A schedule that starts as this one; the slot lists are copied on first write."""
        other = Schedule({})
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
        the whole free gap ``[A, B]`` it is cut from (``±INF`` when unbounded). ``fixed_only``:
        ignore the batch's own slots."""
        out: list[tuple[int, int, int, int]] = []
        prev_end = -INF
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
            out.append((a, hi, prev_end, INF))
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


def merged(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int, str]]:
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
