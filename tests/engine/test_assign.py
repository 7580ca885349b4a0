"""The pure batch assignment and the network index it is fed from."""

from __future__ import annotations

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from charge_tui.domain.enums import ConnectorType
from charge_tui.domain.model import ServiceArea
from charge_tui.engine import placement as P
from charge_tui.engine import schedule as S
from charge_tui.engine.assign import Placement, Request, assign, check_placements
from charge_tui.engine.netindex import NetworkIndex, OptionCursor
from charge_tui.engine.network import generate_network


@st.composite
def instances(draw):
    """A few EVSEs with some held slots, and up to 25 requests on a 0-200 time axis."""
    n_evse = draw(st.integers(1, 4))
    evses = [f"e{i}" for i in range(n_evse)]
    busy = {}
    for e in evses:
        t, slots = 0, []
        for _ in range(draw(st.integers(0, 3))):
            s = t + draw(st.integers(0, 40))
            d = draw(st.integers(5, 30))
            slots.append((s, s + d))
            t = s + d
        busy[e] = slots
    reqs = []
    for i in range(draw(st.integers(1, 25))):
        d = draw(st.integers(5, 40))
        lo = draw(st.integers(0, 150))
        hi = lo + d + draw(st.sampled_from([0, 0, 5, 20, 60]))
        pref = draw(st.integers(lo, hi - d))
        opts = draw(st.lists(st.sampled_from(evses), min_size=0, max_size=n_evse, unique=True))
        options = tuple(
            sorted(((e, float(draw(st.integers(0, 3)))) for e in opts), key=lambda o: (o[1], o[0]))
        )
        reqs.append(Request(f"r{i:02d}", lo, hi, d, pref, options, i))
    return reqs, busy


@settings(max_examples=150, deadline=None)
@given(instances())
def test_batch_placements_are_valid_and_never_fewer_than_fcfs(inst):
    reqs, busy = inst
    batch = assign(reqs, busy)
    fcfs = assign(reqs, busy, strategy="fcfs")
    assert check_placements(reqs, busy, batch) == []
    assert check_placements(reqs, busy, fcfs) == []
    assert len(batch) >= len(fcfs)


def brute_force_max(reqs, busy):
    """Most requests placeable, by trying every subset and order with unit-step starts (tiny)."""
    best = 0
    for k in range(len(reqs), 0, -1):
        for subset in itertools.combinations(reqs, k):
            for order in itertools.permutations(subset):
                if _fits(list(order), busy):
                    return k
    return best


def _fits(order, busy):
    # Greedy earliest start per request in the given order, on any of its EVSEs, tried in all
    # combinations of EVSE choices (small instances only).
    for choice in itertools.product(*[[e for e, _d in r.options] for r in order]):
        held = {e: list(v) for e, v in busy.items()}
        ok = True
        for r, e in zip(order, choice, strict=True):
            start = next(
                (
                    s
                    for s in range(r.lo, r.hi - r.duration + 1)
                    if all(not (s < b and a < s + r.duration) for a, b in held.get(e, ()))
                ),
                None,
            )
            if start is None:
                ok = False
                break
            held.setdefault(e, []).append((start, start + r.duration))
        if ok:
            return True
    return False


def test_batch_matches_brute_force_on_tiny_instances():
    rng = random.Random(4)
    worse = 0
    for _ in range(60):
        evses = ["a", "b"][: rng.randint(1, 2)]
        reqs = []
        for i in range(rng.randint(2, 5)):
            d = rng.randint(2, 6)
            lo = rng.randint(0, 8)
            hi = lo + d + rng.choice((0, 1, 3))
            opts = tuple((e, 0.0) for e in evses if rng.random() < 0.8) or ((evses[0], 0.0),)
            reqs.append(Request(f"r{i}", lo, hi, d, lo, opts, i))
        got = len(assign(reqs, {}))
        best = brute_force_max(reqs, {})
        assert got <= best
        worse += got < best
    assert worse == 0


def random_held(rng: random.Random, most: int) -> list[tuple[int, int]]:
    """Up to ``most`` disjoint held slots in time order, from about 0 to 400 (small integers, so
    that searches meet every edge case: touching slots, gaps shorter than a request)."""
    t, held = rng.randrange(0, 100), []
    for _ in range(rng.randint(0, most)):
        s = t + rng.randrange(0, 30)
        d = rng.randrange(1, 30)
        held.append((s, s + d))
        t = s + d
    return held


def test_fast_preferred_search_equals_the_generic_one():
    rng = random.Random(5)
    for _ in range(3000):
        evses = [f"e{i}" for i in range(rng.randint(1, 4))]
        busy = {e: random_held(rng, 6) for e in evses}
        sched = S.Schedule(busy)
        lo = rng.randrange(0, 150)
        d = rng.randrange(1, 40)
        hi = lo + d + rng.randrange(0, 80)
        options = tuple(
            sorted(
                (
                    (e, float(rng.choice([1, 2, 3])))
                    for e in rng.sample(evses, rng.randint(1, len(evses)))
                ),
                key=lambda o: (o[1], o[0]),
            )
        )
        r = Request("r", lo, hi, d, rng.randrange(lo, hi - d + 1), options, 0)
        generic = None
        key = None
        for evse, dist in r.options:
            for start, ga, gb in P.candidates(sched, r, evse):
                k = P.score("pref", r, start, dist, evse, ga, gb)
                if key is None or k < key:
                    key, generic = k, (evse, start, dist)
        assert P.best_pref(sched, r) == generic


def test_fcfs_takes_what_the_service_would_and_batch_does_better():
    # Two EVSEs; the first request could use either, the second only "a".
    reqs = [
        Request("first", 0, 60, 60, 0, (("a", 0.0), ("b", 0.0)), 0),
        Request("second", 0, 60, 60, 0, (("a", 0.0),), 1),
    ]
    assert assign(reqs, {}, strategy="fcfs") == {"first": Placement("a", 0, 60)}
    assert assign(reqs, {}) == {"first": Placement("b", 0, 60), "second": Placement("a", 0, 60)}


def test_held_slots_are_never_overlapped_even_if_the_store_had_overlaps():
    busy = {"a": [(0, 50), (10, 30), (40, 100)]}
    reqs = [Request(f"r{i}", 0, 200, 30, 0, (("a", 0.0),), i) for i in range(5)]
    placed = assign(reqs, busy)
    assert all(p.start >= 100 for p in placed.values())
    assert len(placed) == 3


def test_preference_then_distance_decide_between_equal_counts():
    reqs = [Request("r", 0, 300, 60, 100, (("near", 10.0), ("far", 900.0)), 0)]
    # "near" is busy at the preferred start, "far" is free: time beats distance.
    assert assign(reqs, {"near": [(90, 170)], "far": []})["r"] == Placement("far", 100, 160)
    assert assign(reqs, {"near": [], "far": []})["r"] == Placement("near", 100, 160)


def test_option_cursor_finds_exactly_the_candidates_nearest_first():
    for seed, center in ((1, (37.77, -122.42)), (2, (59.9, 10.7)), (3, (-33.9, 151.2))):
        index = NetworkIndex(generate_network(150, seed=seed, center=center, radius_km=15))
        rng = random.Random(seed)
        for _ in range(80):
            area = ServiceArea(
                center[0] + rng.uniform(-0.15, 0.15),
                center[1] + rng.uniform(-0.15, 0.15),
                rng.choice([100, 1000, 3000, 8000, 30000]),
            )
            types = rng.sample(list(ConnectorType), rng.randint(1, 3))
            expected = [
                (e.id, d)
                for s, e, d in sorted(
                    index.candidates(area, types), key=lambda c: (c[2], c[0].id, c[1].id)
                )
            ]
            cursor = OptionCursor(index, area, types)
            assert list(cursor.take(5)) == expected[:5]
            assert list(cursor.take(10**6)) == expected
            assert cursor.complete_within(len(expected))
            assert not expected or not cursor.complete_within(len(expected) - 1)
