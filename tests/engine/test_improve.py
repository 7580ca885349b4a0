"""The improvement phase (ruin and recreate) after the batch constructions."""

from __future__ import annotations

from hypothesis import given, settings

from charge_tui.engine.assign import assign, check_placements
from charge_tui.engine.improve import improve
from charge_tui.engine.placement import best_free
from charge_tui.engine.schedule import Request, Schedule
from tests.engine.test_assign import instances


@settings(max_examples=200, deadline=None)
@given(instances())
def test_improved_never_places_fewer_and_stays_valid(inst):
    reqs, busy = inst
    greedy = assign(reqs, busy, improve_budget=0)
    improved = assign(reqs, busy)
    assert check_placements(reqs, busy, improved) == []
    assert len(improved) >= len(greedy)
    assert assign(reqs, busy) == improved  # deterministic


def _first_come(reqs, busy) -> Schedule:
    sched = Schedule(busy)
    for r in reqs:
        b = best_free(sched, r, "pref")
        if b is not None:
            sched.place(r.id, b[0], b[1], b[1] + r.duration, b[2])
    return sched


@settings(max_examples=200, deadline=None)
@given(instances())
def test_improve_alone_keeps_or_raises_the_count_and_keeps_the_rules(inst):
    """On a first-come schedule (weak on purpose): never fewer; held slots untouched; every
    placement in its window, on an EVSE it accepts, none overlapping; undone when no better."""
    reqs, busy = inst
    by_id = {r.id: r for r in reqs}
    sched = _first_come(reqs, busy)
    before = dict(sched.where)
    improve(sched, reqs, by_id, 50_000, seed=3)
    after = {rid: p for rid, p in sched.where.items()}
    assert len(after) >= len(before)
    if len(after) == len(before):
        assert after == before  # nothing gained: everything it tried is undone
    from charge_tui.engine.schedule import Placement

    placed = {rid: Placement(e, s, t) for rid, (e, s, t) in after.items()}
    assert check_placements(reqs, busy, placed) == []
    for evse, slots in busy.items():
        held = [(s, t) for s, t, owner in sched.slots.get(evse, ()) if not owner]
        assert held == sorted(slots) or not slots


def test_a_batch_first_come_gets_wrong_is_fixed():
    """One EVSE, a long request first in the queue whose window covers two short ones that
    cannot go anywhere else: the optimum drops the long one for the two short ones."""
    long = Request("a_long", 0, 120, 120, 0, (("e", 0.0),), 0)
    short1 = Request("b_short", 0, 60, 60, 0, (("e", 0.0),), 1)
    short2 = Request("c_short", 60, 120, 60, 60, (("e", 0.0),), 2)
    sched = _first_come([long, short1, short2], {})
    assert set(sched.where) == {"a_long"}
    improve(sched, [long, short1, short2], {r.id: r for r in (long, short1, short2)}, 10_000)
    assert set(sched.where) == {"b_short", "c_short"}


def test_taken_from_others_takes_only_what_could_move_here_and_rolls_back():
    """The steal of an exact round: requests of the batch on other EVSEs, overlapping the
    stretch, that accept this EVSE; none on the EVSE itself, none that cannot use it."""
    import random

    from charge_tui.engine.improve import _taken_from_others

    both = (("a", 0.0), ("b", 0.0))
    reqs = [
        Request("r_on_b", 0, 600, 60, 0, both, 0),  # on b, overlaps, accepts a: taken
        Request("r_b_only", 0, 600, 60, 100, (("b", 0.0),), 1),  # on b, cannot use a
        Request("r_on_a", 0, 600, 60, 0, both, 2),  # already on a
        Request("r_late", 0, 900, 60, 700, both, 3),  # on b, outside the stretch
    ]
    by_id = {r.id: r for r in reqs}
    sched = Schedule({})
    sched.place("r_on_b", "b", 0, 60, 0.0)
    sched.place("r_b_only", "b", 100, 160, 0.0)
    sched.place("r_on_a", "a", 0, 60, 0.0)
    sched.place("r_late", "b", 700, 760, 0.0)
    before = dict(sched.where)
    mark = sched.mark()
    taken = _taken_from_others(sched, by_id, "a", 0, 600, 5, random.Random(1))
    assert [r.id for r in taken] == ["r_on_b"]
    assert "r_on_b" not in sched.where
    assert _taken_from_others(sched, by_id, "a", 0, 600, 0, random.Random(1)) == []
    sched.rollback(mark)
    assert sched.where == before
