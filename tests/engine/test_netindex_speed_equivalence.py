"""The engine's fast paths give what their plain versions give.

``OptionCursor`` clips its rings to the area's bounding box and looks only at stations with an
acceptable available EVSE (``NetworkIndex.cells_for``, kept up to date on faults and repairs);
``assign`` has inlined versions of its generic search (:func:`best_pref`, :func:`best_early`,
:func:`best_fit`) that must pick exactly what the generic loop over :func:`_candidates` ranked by
:func:`_score` picks.
"""

from __future__ import annotations

import random
from dataclasses import replace

from charge_tui.domain.enums import ConnectorType, EvseStatus
from charge_tui.domain.model import ServiceArea
from charge_tui.engine import placement as P
from charge_tui.engine import schedule as S
from charge_tui.engine.netindex import NetworkIndex, OptionCursor
from charge_tui.engine.network import generate_network
from tests.engine.test_assign import random_held


def _expected(index: NetworkIndex, area: ServiceArea, types) -> list[tuple[str, float]]:
    return [
        (e.id, d)
        for s, e, d in sorted(index.candidates(area, types), key=lambda c: (c[2], c[0].id, c[1].id))
    ]


CENTER = (48.85, 2.35)
TYPES = list(ConnectorType)


def _random_network(n: int, seed: int, radius_km: float):
    """``n`` generated stations around :data:`CENTER`, their index, a generator seeded alike and
    the ids of their EVSEs."""
    stations = generate_network(n, seed=seed, center=CENTER, radius_km=radius_km)
    index = NetworkIndex(stations)
    return stations, index, random.Random(seed), sorted(index.by_evse)


def test_cursor_after_faults_and_repairs_and_far_from_the_network():
    stations, index, rng, evse_ids = _random_network(120, seed=7, radius_km=12)
    # Fill the per-connector caches first, so that set_status has to update them.
    for _ in range(10):
        index.cells_for(frozenset(rng.sample(TYPES, rng.randint(1, 3))))
    for round_ in range(6):
        for e in rng.sample(evse_ids, 25):
            index.set_status(e, rng.choice([EvseStatus.OUT_OF_ORDER, EvseStatus.AVAILABLE]))
        for _ in range(60):
            far = rng.random() < 0.2  # the centre off the grid, or the area beyond it
            spread = 1.5 if far else 0.15
            area = ServiceArea(
                CENTER[0] + rng.uniform(-spread, spread),
                CENTER[1] + rng.uniform(-spread, spread),
                rng.choice([0, 100, 1000, 3000, 8000, 30000, 200000]),
            )
            types = rng.sample(TYPES, rng.randint(1, 3))
            expected = _expected(index, area, types)
            cursor = OptionCursor(index, area, types)
            assert list(cursor.take(1)) == expected[:1], round_
            assert list(cursor.take(7)) == expected[:7]
            assert cursor.complete_within(len(expected))
            assert list(cursor.take(10**6)) == expected
    # The incrementally kept per-connector cells are those of an index built afresh.
    current = [replace(s, evses=tuple(index.by_evse[e.id][1] for e in s.evses)) for s in stations]
    fresh = NetworkIndex(current)
    assert index._cells_for
    for wanted in index._cells_for:
        assert index.cells_for(wanted) == fresh.cells_for(wanted)


def test_a_cursor_kept_across_changes_it_cannot_reach_returns_what_a_new_one_would():
    # The engine keeps a waiting request's cursor across faults and repairs of EVSEs on stations
    # outside its area (``may_reach`` false) and drops it otherwise.
    _stations, index, rng, evse_ids = _random_network(150, seed=3, radius_km=15)
    kept = dropped = 0
    for _ in range(150):
        area = ServiceArea(
            CENTER[0] + rng.uniform(-0.1, 0.1),
            CENTER[1] + rng.uniform(-0.1, 0.1),
            rng.choice([500, 2000, 5000, 12000]),
        )
        types = rng.sample(TYPES, rng.randint(1, 3))
        cursor = OptionCursor(index, area, types)
        cursor.take(rng.choice([1, 3, 24]))  # partly searched, as a waiting request's is
        reachable = False
        for e in rng.sample(evse_ids, 6):
            station = index.by_evse[e][0]
            reachable = reachable or cursor.may_reach(station)
            status = index.by_evse[e][1].status
            flipped = (
                EvseStatus.AVAILABLE
                if status is EvseStatus.OUT_OF_ORDER
                else EvseStatus.OUT_OF_ORDER
            )
            index.set_status(e, flipped)
        if reachable:
            dropped += 1
            continue
        kept += 1
        assert list(cursor.take(10**6)) == _expected(index, area, types)
    assert kept > 20 and dropped > 20  # both cases were exercised


def test_may_reach_is_the_area():
    stations, index, _rng, _ids = _random_network(40, seed=5, radius_km=10)
    for s in stations:
        inside = ServiceArea(s.latitude + 0.01, s.longitude, 1200)  # ~1,112 m away
        outside = ServiceArea(s.latitude + 0.01, s.longitude, 1000)
        assert OptionCursor(index, inside, TYPES).may_reach(s)
        assert not OptionCursor(index, outside, TYPES).may_reach(s)


def _generic(sched: S.Schedule, r: S.Request, rule: str):
    best, key = None, None
    for evse, dist in r.options:
        for start, ga, gb in P.candidates(sched, r, evse):
            k = P.score(rule, r, start, dist, evse, ga, gb)
            if key is None or k < key:
                key, best = k, (evse, start, dist)
    return best


def test_inlined_searches_equal_the_generic_one():
    rng = random.Random(11)
    for _ in range(3000):
        evses = [f"e{i}" for i in range(rng.randint(1, 5))]
        busy: dict[str, list[tuple[int, int]]] = {}
        for e in evses:
            if rng.random() < 0.2:
                continue  # not in ``busy`` at all
            busy[e] = random_held(rng, 5)
        sched = S.Schedule(busy)
        # Some of the batch's own slots too.
        for k in range(rng.randint(0, 3)):
            e = rng.choice(evses)
            gaps = sched.gaps(e, 0, 300)
            if gaps:
                a, b, _ga, _gb = rng.choice(gaps)
                if b - a >= 2:
                    sched.place(f"q{k}", e, a, a + 2, 1.0)
        lo = rng.randrange(0, 150)
        d = rng.randrange(1, 40)
        hi = lo + d + rng.randrange(-2, 80)
        pref = rng.randrange(lo - 30, hi + 10)  # the preferred start may lie outside the window
        options = [(e, float(rng.choice([1, 2, 3]))) for e in rng.sample(evses, len(evses))]
        if rng.random() < 0.7:
            options.sort(key=lambda o: (o[1], o[0]))
        if rng.random() < 0.1:
            options.append(options[0])
        r = S.Request("r", lo, hi, d, pref, tuple(options), 0)
        for rule in ("early", "fit"):
            assert P.best_free(sched, r, rule) == _generic(sched, r, rule), rule
        if options == sorted(options, key=lambda o: (o[1], o[0])):
            # _best_pref stops at the first EVSE free at the preferred start: options must come
            # nearest first (as the engine gives them).
            assert P.best_free(sched, r, "pref") == _generic(sched, r, "pref")
