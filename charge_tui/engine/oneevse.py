"""The most requests one EVSE can take in the free time it has: a bounded depth-first search
over the order in which they are placed, each at its earliest free start after the previous one
(left-justified sequences are enough: any feasible placement on one EVSE can be shifted left into
one). Used by the improvement phase to re-plan a stretch of one EVSE exactly (or, past the node
limit, as well as it found)."""

from __future__ import annotations

from collections.abc import Sequence

from charge_tui.engine.schedule import INF, Request, Schedule

#: Search nodes allowed per call (keeps a call to about a millisecond or two).
NODE_LIMIT = 3_000


def free_pieces(sched: Schedule, evse: str) -> list[tuple[int, int]]:
    """The free time of ``evse`` as sorted ``(start, end)`` pieces."""
    return [(a, b) for a, b, _ga, _gb in sched.gaps(evse, -INF + 1, INF - 1)]


def earliest(free: list[tuple[int, int]], r: Request, t: int) -> int | None:
    """The earliest start of ``r`` at or after ``t`` inside its window and one free piece."""
    d = r.duration
    lo = t if t > r.lo else r.lo
    last = r.hi - d
    for a, b in free:
        if b <= lo:
            continue
        s = a if a > lo else lo
        if s > last:
            return None
        if s + d <= b:
            return s
    return None


def most_on_one(
    free: list[tuple[int, int]], pool: Sequence[Request], node_limit: int = NODE_LIMIT
) -> list[tuple[Request, int]]:
    """The largest set of ``pool`` (with starts) that fits in ``free``, found by a depth-first
    search that tries the request finishing first first, pruned by a count bound."""
    best: list[tuple[Request, int]] = []
    placed: list[tuple[Request, int]] = []
    nodes = 0

    def dfs(t: int, remaining: list[Request]) -> None:
        nonlocal best, nodes
        nodes += 1
        if len(placed) > len(best):
            best = list(placed)
        if nodes > node_limit:
            return
        feasible = []
        for r in remaining:
            s = earliest(free, r, t)
            if s is not None:
                feasible.append((s + r.duration, r.duration, r.id, s, r))
        if len(placed) + len(feasible) <= len(best):
            return
        feasible.sort()
        for end, _d, _id, s, r in feasible:
            placed.append((r, s))
            dfs(end, [x[4] for x in feasible if x[4] is not r])
            placed.pop()
            if nodes > node_limit or len(best) == len(placed) + len(feasible):
                return

    dfs(-INF, sorted(pool, key=lambda r: r.id))
    return best
