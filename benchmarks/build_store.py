"""Build (or reuse) a store of N reservations with the real simulator, as fast as it goes.

Everything goes through the simulator, the confirmation engine, the service and the state machine
(``charge-tui simulate --fast``'s code path): every reservation is created by a driver request,
confirmed, failed, cancelled, expired or completed by the rules of SPEC §3, and every change has its
event. The run stops after the tick in which the N-th reservation is created (so the store holds N
plus at most one tick's requests); the invariants of SPEC §3 are audited at the end.

Sizing: a realistic city load of 36 requests per station and simulated day (1.5 an hour), over
``N / 200,000`` simulated days (1 to 7), the metro area growing with the network so that station
density stays that of a city; 1,000,000 reservations = 5 simulated days on 5,555 stations. Ticks of
``FAST_TICK`` simulated seconds (one transaction each).

    python benchmarks/build_store.py 1000000 [--seed 1] [--path FILE] [--force]

Stores are kept under ``benchmarks/.stores/`` (git-ignored) and reused when present:
``build_store(path, n, seed)`` returns at once if ``path`` exists.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from charge_tui.cli.simulate import SIM_CACHE_MIB, SIM_WAL_AUTOCHECKPOINT  # noqa: E402
from charge_tui.engine.simulator import SimConfig, Simulator  # noqa: E402
from charge_tui.store.audit import check_invariants  # noqa: E402
from charge_tui.store.db import Database  # noqa: E402

STORES = Path(__file__).resolve().parent / ".stores"
START = 1_795_000_000 // 86400 * 86400
#: Requests per station and simulated day (the default run's load: 1.5 per station and hour).
PER_STATION_DAY = 36
#: Simulated seconds per tick in fast builds: one transaction per tick, so per-tick costs
#: (commit, queue look-ups) amortize over many writes. Every transition still goes through the
#: state machine; what is due during a tick is handled at its end (drivers' arrivals first, then
#: the engine's no-shows and confirmations), a resolution of 5 minutes instead of 1.
FAST_TICK = 300


def default_path(n: int, seed: int) -> Path:
    return STORES / f"sim-{n}-seed{seed}.db"


def config_for(n: int, seed: int, tick: int = FAST_TICK) -> SimConfig:
    days = min(7.0, max(1.0, n / 200_000))
    stations = max(10, round(n / (PER_STATION_DAY * days)))
    return SimConfig(
        seed=seed,
        stations=stations,
        hours=24.0 * days + 24.0,  # a day more than needed: the run stops at N reservations
        rate=n / (24.0 * days),
        start=START,
        tick_seconds=tick,
        radius_km=12.0 * math.sqrt(stations / 40),
    )


def build(
    path: Path, n: int, seed: int, *, tick: int = FAST_TICK, check: bool = True, quiet: bool = False
) -> dict:
    """Run the simulator on a new store at ``path`` until it created ``n`` reservations."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    for p in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        p.unlink(missing_ok=True)
    config = config_for(n, seed, tick)
    db = Database(
        f"sqlite:///{partial}",
        cache_size_mib=SIM_CACHE_MIB,
        wal_autocheckpoint=SIM_WAL_AUTOCHECKPOINT,
        checkpoint_in_background=True,
    )
    sim = Simulator.for_database(db, config)
    sim.write_behind = True  # as `charge-tui simulate` runs
    sim.setup()
    t0 = time.perf_counter()
    last = [t0]

    def progress(s: Simulator) -> None:
        if s.stats.created >= n:
            s.request_stop()
        now = time.perf_counter()
        if not quiet and now - last[0] > 10:
            last[0] = now
            print(
                f"  {s.stats.created:,} reservations, {s.stats.events:,} events, "
                f"{s.stats.events / (now - t0):,.0f} events/s",
                file=sys.stderr,
            )

    sim.run(on_progress=progress, progress_every=0)
    wall = time.perf_counter() - t0
    k = sim.kpis()
    t1 = time.perf_counter()
    violations = check_invariants(db) if check else []
    audit_s = time.perf_counter() - t1
    db.dispose()
    if violations:
        raise SystemExit(f"invariants violated in {partial}: {violations[:5]}")
    for suffix in ("-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    partial.rename(path)
    return {
        "path": str(path),
        "reservations": k["reservations"]["created"],
        "events": k["events"],
        "stations": k["stations"],
        "evses": k["evses"],
        "simulated_hours": k["simulated_hours"],
        "tick_seconds": tick,
        "wall_seconds": round(wall, 1),
        "events_per_second": round(k["events"] / wall),
        "audit_seconds": round(audit_s, 1) if check else None,
        "invariants_ok": not violations if check else None,
    }


def build_store(path: str | Path | None, n_reservations: int, seed: int = 1) -> Path:
    """The store of ``n_reservations`` for ``seed`` at ``path`` (default under
    ``benchmarks/.stores/``): reused when the file exists, else built by the simulator."""
    p = Path(path) if path is not None else default_path(n_reservations, seed)
    if not p.exists():
        build(p, n_reservations, seed)
    return p


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="reservations")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--path", default=None, help="store file (default under benchmarks/.stores/)")
    ap.add_argument("--tick", type=int, default=FAST_TICK)
    ap.add_argument("--force", action="store_true", help="rebuild even if the file exists")
    ap.add_argument("--no-check", action="store_true", help="skip the invariant audit")
    args = ap.parse_args()
    path = Path(args.path) if args.path else default_path(args.n, args.seed)
    if path.exists() and not args.force:
        print(f"{path}: exists, reused (--force rebuilds it)")
        return 0
    path.unlink(missing_ok=True)
    r = build(path, args.n, args.seed, tick=args.tick, check=not args.no_check)
    print(
        f"{r['reservations']:,} reservations, {r['events']:,} events on {r['stations']:,} stations "
        f"({r['evses']:,} EVSEs), {r['simulated_hours']:g} simulated h in ticks of "
        f"{r['tick_seconds']} s: {r['wall_seconds']:,.1f} s = {r['events_per_second']:,} "
        f"transitions/s; audit {r['audit_seconds']} s, invariants "
        f"{'ok' if r['invariants_ok'] else 'not checked' if r['invariants_ok'] is None else 'FAIL'}"
        f"\n-> {r['path']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
