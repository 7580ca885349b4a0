"""Finding a free slot on one EVSE: pure interval arithmetic.

``busy`` is a list of half-open intervals ``[start, end)`` already held on the EVSE. A slot of
``duration`` seconds must lie inside ``[lo, hi]`` (the acceptable window, clipped to "not before
now") and overlap nothing busy. The best slot starts as close as possible to ``preferred``.
"""

from __future__ import annotations

from collections.abc import Iterable


def free_gaps(busy: Iterable[tuple[int, int]], lo: int, hi: int) -> list[tuple[int, int]]:
    gaps: list[tuple[int, int]] = []
    cursor = lo
    for start, end in sorted(busy):
        if end <= cursor:
            continue
        if start >= hi:
            break
        if start > cursor:
            gaps.append((cursor, start))
        cursor = max(cursor, end)
        if cursor >= hi:
            break
    if cursor < hi:
        gaps.append((cursor, hi))
    return gaps


def best_start(
    busy: Iterable[tuple[int, int]], lo: int, hi: int, duration: int, preferred: int
) -> int | None:
    """The feasible start closest to ``preferred`` (earlier wins a tie), or None."""
    best: int | None = None
    best_cost = 0
    for a, b in free_gaps(busy, lo, hi):
        if b - a < duration:
            continue
        start = min(max(preferred, a), b - duration)
        cost = abs(start - preferred)
        if best is None or cost < best_cost or (cost == best_cost and start < best):
            best, best_cost = start, cost
    return best


def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end
