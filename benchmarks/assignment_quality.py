"""Assignment quality: the engine's confirmations against the exact offline optimum.

Generates small instances (tens of reservations, a few EVSEs on one or two stations, mixed connector
types, windows with slack, some slots already held), puts each in a fresh SQLite store, lets the
real engine run one tick over all of them (they all fall due together), and compares the number
confirmed with:

- the first-come-first-served baseline (the same engine with ``strategy="fcfs"``);
- the exact optimum of the same instance, computed with OR-Tools CP-SAT (optional intervals per
  reservation and EVSE, one ``NoOverlap`` per EVSE, maximise the number placed).

Needs the ``bench`` extra: ``pip install -e '.[bench]'`` (or ``pip install ortools``).

    python benchmarks/assignment_quality.py [--instances 30] [--seed 0] [--time-limit 20]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from charge_tui.domain.clock import FrozenClock  # noqa: E402
from charge_tui.domain.enums import ConnectorType as C  # noqa: E402
from charge_tui.domain.ids import IdFactory  # noqa: E402
from charge_tui.domain.model import Evse, Station  # noqa: E402
from charge_tui.engine.assign import Request  # noqa: E402
from charge_tui.engine.assign import assign as assign_requests  # noqa: E402
from charge_tui.engine.confirmation import ConfirmationEngine  # noqa: E402
from charge_tui.engine.netindex import NetworkIndex  # noqa: E402
from charge_tui.service import ReservationService, ServiceConfig  # noqa: E402
from charge_tui.store.db import Database  # noqa: E402

T0 = 1_795_000_000
CENTER = (37.7749, -122.4194)


@dataclass
class Instance:
    name: str
    stations: list[Station]
    requests: list[dict]
    #: Slots held before the tick: (index into ``requests``, EVSE id, start); confirmed first.
    held: list[tuple[int, str, int]] = field(default_factory=list)


MIXES = [(C.CCS1,), (C.CCS1, C.NACS), (C.NACS,), (C.J1772,), (C.CCS1, C.CHADEMO)]

#: The families of instances: how many EVSEs and requests, which durations and window slack,
#: which connector types, whether some slots are held already. "mixed" is the original family;
#: the others are the harder ones of the issue "at least 99 % of the optimum".
FAMILIES: dict[str, dict] = {
    "mixed": {},
    "heavy": {"load": 6.0},  # requested time about 6x what the EVSEs can hold
    "long+short": {"durations": (15, 20, 30, 240, 360, 480)},
    "wide slack": {"slack": (120, 180, 240, 360)},
    "zero slack": {"slack": (0,)},
    "one type": {"mixes": [(C.CCS1,)]},
    "held": {"held": 0.25},  # a quarter of the EVSE time already held
}


def make_instance(seed: int, family: str = "mixed") -> Instance:
    f = FAMILIES[family]
    rng = random.Random(
        f"assign-bench:{family}:{seed}" if family != "mixed" else f"assign-bench:{seed}"
    )
    n_evse = rng.randint(2, 5)
    horizon = rng.choice((6, 8, 10)) * 3600
    mixes = f.get("mixes", MIXES)
    durations = f.get("durations", (20, 30, 30, 45, 60, 90, 120, 180))
    slacks = f.get("slack", (0, 0, 15, 30, 60, 120))
    if "load" in f:
        mean = sum(durations) / len(durations) * 60
        n_res = min(68, max(28, round(f["load"] * n_evse * horizon / mean)))
    else:
        n_res = rng.randint(28, 68) if family != "mixed" else rng.randint(12, 45)
    evses = []
    for i in range(n_evse):
        evses.append(
            Evse(
                id=f"evse_b{seed}x{i:02d}",
                station_id=f"sta_b{seed}s{i % 2}",
                connector_types=rng.choice(mixes),
                power_kw=150.0,
            )
        )
    stations = []
    for s in range(2):
        lat = CENTER[0] + (0.002 if s else 0.0)
        stations.append(
            Station(
                id=f"sta_b{seed}s{s}",
                name=f"Bench {s}",
                latitude=lat,
                longitude=CENTER[1],
                address="1 Bench St",
                evses=tuple(e for e in evses if e.station_id == f"sta_b{seed}s{s}"),
            )
        )
    types_pool = sorted({c for e in evses for c in e.connector_types}, key=lambda c: c.value)
    requests = []
    for i in range(n_res):
        duration = min(rng.choice(durations) * 60, horizon - 1800)
        start = T0 + 3600 + rng.randrange(0, horizon - duration, 300)
        slack = rng.choice(slacks) * 60
        before = min(slack // 2, start - (T0 + 3600)) // 300 * 300
        after = slack - before
        k = 1 if rng.random() < 0.6 else 2
        types = sorted(rng.sample(types_pool, min(k, len(types_pool))), key=lambda c: c.value)
        radius = rng.choice((150, 400, 1000))  # 150 m: only the first station
        requests.append(_params(i, types, start, duration, before, after, radius))
    held: list[tuple[int, str, int]] = []
    if "held" in f:
        for e in evses:
            t = T0 + 3600 + rng.randrange(0, 3600, 300)
            while t < T0 + 3600 + horizon - 1800:
                d = rng.choice((30, 60, 90)) * 60
                if rng.random() < f["held"] and t + d <= T0 + 3600 + horizon:
                    requests.append(
                        _params(len(requests), list(e.connector_types[:1]), t, d, 0, 0, 1000)
                    )
                    held.append((len(requests) - 1, e.id, t))
                t += d
    name = f"{family} #{seed:02d} {n_res:2d}/{n_evse}"
    return Instance(name, stations, requests, held)


def _params(i, types, start, duration, before, after, radius) -> dict:
    return {
        "connector_types": [t.value for t in types],
        "driver": f"drv_b{i}",
        "vehicle": f"veh_b{i}",
        "preferred_start_time": start,
        "preferred_end_time": start + duration,
        "earliest_start_time": start - before,
        "latest_end_time": start + duration + after,
        "service_area": {"latitude": CENTER[0], "longitude": CENTER[1], "radius_meters": radius},
        "payment_method": "pm_card_visa",
    }


def run_engine(
    inst: Instance, strategy: str
) -> tuple[int, float, list[Request], dict[str, list[tuple[int, int]]]]:
    """Confirmations by the real engine (one tick, everything due at once), the requests as it
    saw them and the slots held before the tick (for the exact model)."""
    with tempfile.TemporaryDirectory() as d:
        db = Database(f"sqlite:///{d}/bench.db")
        svc = ReservationService(
            db,
            clock=FrozenClock(T0),
            ids=IdFactory(random.Random(0)),
            # Everything falls due at once: the confirm lead spans the whole horizon.
            config=ServiceConfig(confirm_lead=2 * 86400),
        )
        svc.add_stations(inst.stations)
        with svc.transaction() as uow:
            made = [uow.create(p) for p in inst.requests]
        busy: dict[str, list[tuple[int, int]]] = {}
        for index, evse, start in inst.held:
            r = svc.confirm(made[index].id, evse_id=evse, start=start)
            busy.setdefault(evse, []).append((r.scheduled_start_time, r.scheduled_end_time))
        with svc.reading() as conn:
            net = NetworkIndex.load(conn)
        rows = sorted(
            svc.list(status="pending", limit=100).data, key=lambda r: (r.next_check_at, r.id)
        )
        reqs = []
        for i, r in enumerate(rows):
            cands = net.candidates(r.service_area, r.connector_types)
            options = sorted(((e.id, d) for _s, e, d in cands), key=lambda o: (o[1], o[0]))
            reqs.append(
                Request(
                    r.id,
                    max(r.earliest_start_time, T0),
                    r.latest_end_time,
                    r.duration,
                    r.preferred_start_time,
                    tuple(options),
                    i,
                )
            )
        engine = ConfirmationEngine(svc, strategy=strategy)
        started = time.perf_counter()
        result = engine.tick()
        elapsed = time.perf_counter() - started
        db.dispose()
        return result.confirmed, elapsed, reqs, busy


def optimum(
    reqs: list[Request],
    busy: dict[str, list[tuple[int, int]]],
    time_limit: float,
    hint: dict | None = None,
) -> tuple[int, bool]:
    """The most requests that can be placed: CP-SAT, one optional interval per request and EVSE
    it accepts, one NoOverlap per EVSE with the held slots as fixed intervals. ``hint`` (the
    engine's placements) starts the search, so that an optimum not proven within the time limit
    is at least the engine's count: the ratio is then an upper bound of the engine's."""
    from ortools.sat.python import cp_model

    m = cp_model.CpModel()
    per_evse: dict[str, list] = {}
    for evse, slots in busy.items():
        for k, (s, t) in enumerate(slots):
            per_evse.setdefault(evse, []).append(
                m.new_fixed_size_interval_var(s, t - s, f"held_{evse}_{k}")
            )
    placed = []
    for r in reqs:
        lits = []
        for evse, _dist in r.options:
            lit = m.new_bool_var(f"x_{r.id}_{evse}")
            start = m.new_int_var(r.lo, r.hi - r.duration, f"s_{r.id}_{evse}")
            iv = m.new_optional_fixed_size_interval_var(start, r.duration, lit, f"i_{r.id}_{evse}")
            if hint is not None:
                p = hint.get(r.id)
                m.add_hint(lit, p is not None and p.evse == evse)
                if p is not None and p.evse == evse:
                    m.add_hint(start, p.start)
            per_evse.setdefault(evse, []).append(iv)
            lits.append(lit)
        if lits:
            m.add_at_most_one(lits)
            placed.append(sum(lits))
    for ivs in per_evse.values():
        m.add_no_overlap(ivs)
    m.maximize(sum(placed))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 2
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError("CP-SAT found no solution")
    return int(round(solver.objective_value)), status == cp_model.OPTIMAL


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", type=int, default=10, help="instances per family")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--families", default=",".join(FAMILIES), help="comma-separated")
    ap.add_argument("--time-limit", type=float, default=20.0, help="CP-SAT seconds per instance")
    ap.add_argument("--verbose", action="store_true", help="a line per instance")
    args = ap.parse_args()
    try:
        import ortools  # noqa: F401
    except ImportError:
        print("needs OR-Tools: pip install -e '.[bench]'  (or: pip install ortools)")
        return 2
    head = f"{'family':<12}{'n':>4}{'mean':>8}{'worst':>8}{'fcfs mean':>11}{'fcfs worst':>12}"
    print(head + f"{'tick med':>10}{'tick max':>10}{'unproven':>10}")
    all_ratios: list[float] = []
    all_fcfs: list[float] = []
    for family in args.families.split(","):
        ratios, fcfs_ratios, times, unproven = [], [], [], 0
        for k in range(args.seed, args.seed + args.instances):
            inst = make_instance(k, family)
            fcfs, _t, _reqs, _busy = run_engine(inst, "fcfs")
            eng, elapsed, reqs, busy = run_engine(inst, "batch")
            # Sanity: the pure assignment agrees with the engine (no payment declines here).
            placements = assign_requests(reqs, busy)
            assert len(placements) == eng, "engine and assign() disagree"
            opt, exact = optimum(reqs, busy, args.time_limit, placements)
            unproven += not exact
            ratios.append(eng / opt if opt else 1.0)
            fcfs_ratios.append(fcfs / opt if opt else 1.0)
            times.append(elapsed)
            if args.verbose:
                print(f"  {inst.name:<28} fcfs {fcfs:>3} engine {eng:>3} optimum {opt:>3}")
        all_ratios += ratios
        all_fcfs += fcfs_ratios
        print(
            f"{family:<12}{len(ratios):>4}{statistics.mean(ratios):>8.3f}{min(ratios):>8.3f}"
            f"{statistics.mean(fcfs_ratios):>11.3f}{min(fcfs_ratios):>12.3f}"
            f"{statistics.median(times) * 1000:>8.0f}ms{max(times) * 1000:>8.0f}ms{unproven:>10}"
        )
    print("-" * 85)
    print(
        f"{'all':<12}{len(all_ratios):>4}{statistics.mean(all_ratios):>8.3f}"
        f"{min(all_ratios):>8.3f}{statistics.mean(all_fcfs):>11.3f}{min(all_fcfs):>12.3f}"
    )
    print("targets: mean >= 0.990 over every family, no instance under 0.950; 'unproven': CP-SAT")
    print("did not prove its optimum within the time limit (the ratio is then an upper bound)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
