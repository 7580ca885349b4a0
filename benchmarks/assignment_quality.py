"""Assignment quality: the engine's confirmations against the exact offline optimum (SPEC §5).

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
import sys
import tempfile
import time
from dataclasses import dataclass
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


def make_instance(seed: int) -> Instance:
    rng = random.Random(f"assign-bench:{seed}")
    n_evse = rng.randint(2, 5)
    n_res = rng.randint(12, 45)
    horizon = rng.choice((6, 8, 10)) * 3600
    mixes = [(C.CCS1,), (C.CCS1, C.NACS), (C.NACS,), (C.J1772,), (C.CCS1, C.CHADEMO)]
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
        duration = rng.choice((20, 30, 30, 45, 60, 90, 120, 180)) * 60
        start = T0 + 3600 + rng.randrange(0, horizon - duration, 300)
        slack = rng.choice((0, 0, 15, 30, 60, 120)) * 60
        before = min(slack // 2, start - (T0 + 3600)) // 300 * 300
        after = slack - before
        k = 1 if rng.random() < 0.6 else 2
        types = sorted(rng.sample(types_pool, min(k, len(types_pool))), key=lambda c: c.value)
        radius = rng.choice((150, 400, 1000))  # 150 m: only the first station
        requests.append(
            {
                "connector_types": [t.value for t in types],
                "driver": f"drv_b{i}",
                "vehicle": f"veh_b{i}",
                "preferred_start_time": start,
                "preferred_end_time": start + duration,
                "earliest_start_time": start - before,
                "latest_end_time": start + duration + after,
                "service_area": {
                    "latitude": CENTER[0],
                    "longitude": CENTER[1],
                    "radius_meters": radius,
                },
                "payment_method": "pm_card_visa",
            }
        )
    return Instance(f"#{seed:02d} {n_res:2d} res / {n_evse} EVSEs", stations, requests)


def run_engine(inst: Instance, strategy: str) -> tuple[int, float, list[Request]]:
    """Confirmations by the real engine (one tick, everything due at once)."""
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
            for p in inst.requests:
                uow.create(p)
        # The requests as the engine will see them (for the exact model).
        with svc.reading() as conn:
            net = NetworkIndex.load(conn)
        rows = sorted(svc.list(limit=100).data, key=lambda r: (r.next_check_at, r.id))
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
        return result.confirmed, elapsed, reqs


def optimum(reqs: list[Request], time_limit: float) -> tuple[int, bool]:
    from ortools.sat.python import cp_model

    m = cp_model.CpModel()
    per_evse: dict[str, list] = {}
    placed = []
    for r in reqs:
        lits = []
        for evse, _dist in r.options:
            lit = m.new_bool_var(f"x_{r.id}_{evse}")
            start = m.new_int_var(r.lo, r.hi - r.duration, f"s_{r.id}_{evse}")
            iv = m.new_optional_fixed_size_interval_var(start, r.duration, lit, f"i_{r.id}_{evse}")
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
    ap.add_argument("--instances", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=20.0, help="CP-SAT seconds per instance")
    args = ap.parse_args()
    try:
        import ortools  # noqa: F401
    except ImportError:
        print("needs OR-Tools: pip install -e '.[bench]'  (or: pip install ortools)")
        return 2
    print(f"{'instance':<24}{'fcfs':>6}{'engine':>8}{'optimum':>9}{'ratio':>8}{'fcfs ratio':>12}")
    tot_e = tot_f = tot_o = 0
    worst = 1.0
    times = []
    for k in range(args.seed, args.seed + args.instances):
        inst = make_instance(k)
        fcfs, _t, _reqs = run_engine(inst, "fcfs")
        eng, elapsed, reqs = run_engine(inst, "batch")
        # Sanity: the pure assignment agrees with the engine (no payment declines here).
        assert len(assign_requests(reqs, {})) == eng, "engine and assign() disagree"
        opt, exact = optimum(reqs, args.time_limit)
        times.append(elapsed)
        ratio = eng / opt if opt else 1.0
        worst = min(worst, ratio)
        tot_e, tot_f, tot_o = tot_e + eng, tot_f + fcfs, tot_o + opt
        mark = "" if exact else "  (optimum not proven)"
        print(
            f"{inst.name:<24}{fcfs:>6}{eng:>8}{opt:>9}{ratio:>8.3f}"
            f"{(fcfs / opt if opt else 1):>12.3f}{mark}"
        )
    print("-" * 67)
    print(
        f"{'overall':<24}{tot_f:>6}{tot_e:>8}{tot_o:>9}{tot_e / tot_o:>8.3f}{tot_f / tot_o:>12.3f}"
    )
    print(
        f"engine/optimum: overall {tot_e / tot_o:.3f}, worst instance {worst:.3f}; "
        f"fcfs/optimum {tot_f / tot_o:.3f}; engine tick median "
        f"{sorted(times)[len(times) // 2] * 1000:.0f} ms, max {max(times) * 1000:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
