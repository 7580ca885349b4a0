"""Simulator throughput: transitions (events appended) per second of a fast simulation.

For each size (reservations requested over one simulated day) it runs the real simulator as fast
as possible on a fresh SQLite file, with the workload scaled so that the network is loaded like the
default run (about 1.5 requests per station and hour, the metro area growing with the network so
that station density stays that of a city), and prints events, wall time and events per second.
For comparison it also measures raw ``sqlite3.executemany`` inserts of event-sized rows on the same
machine (the ceiling any Python write path can approach).

    python benchmarks/simulate_throughput.py [--sizes 10000,100000] [--seed 1] [--tick 60]

The 100k run takes a few minutes on a small machine.
"""

from __future__ import annotations

import argparse
import json
import math
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from charge_tui.engine.simulator import SimConfig, Simulator  # noqa: E402
from charge_tui.store.audit import check_invariants  # noqa: E402
from charge_tui.store.db import Database  # noqa: E402

START = 1_795_000_000 // 86400 * 86400


def raw_executemany(rows: int = 200_000) -> float:
    """Rows per second of plain sqlite3 executemany into an indexed, event-like table."""
    with tempfile.TemporaryDirectory() as d:
        conn = sqlite3.connect(f"{d}/raw.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(
            "CREATE TABLE e (seq INTEGER PRIMARY KEY, id TEXT UNIQUE, rid TEXT, type TEXT, "
            "created INTEGER, actor TEXT, status TEXT, prev TEXT, data TEXT)"
        )
        conn.execute("CREATE INDEX ix_e ON e (rid, seq)")
        data = [
            (
                f"evt_{i:024d}",
                f"rsv_{i // 3:024d}",
                "reservation.confirmed",
                START + i,
                "engine",
                "confirmed",
                '{"status":"pending"}',
                "{}",
            )
            for i in range(rows)
        ]
        t = time.perf_counter()
        for k in range(0, rows, 5000):
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO e (id, rid, type, created, actor, status, prev, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                data[k : k + 5000],
            )
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - t
        conn.close()
        return rows / elapsed


def run(size: int, seed: int, tick: int, check: bool) -> dict:
    hours = 24.0
    stations = max(10, size // 36)
    config = SimConfig(
        seed=seed,
        stations=stations,
        hours=hours,
        rate=size / hours,
        start=START,
        tick_seconds=tick,
        radius_km=12.0 * math.sqrt(stations / 40),
    )
    with tempfile.TemporaryDirectory() as d:
        db = Database(f"sqlite:///{d}/sim.db")
        sim = Simulator.for_database(db, config)
        sim.setup()
        t = time.perf_counter()
        sim.run()
        wall = time.perf_counter() - t
        k = sim.kpis()
        violations = check_invariants(db) if check else []
        db.dispose()
    return {
        "requested": size,
        "created": k["reservations"]["created"],
        "stations": k["stations"],
        "evses": k["evses"],
        "events": k["events"],
        "wall_seconds": round(wall, 2),
        "events_per_second": round(k["events"] / wall, 1),
        "acceptance_rate": k["acceptance_rate"],
        "utilisation": k["utilisation"],
        "invariants_ok": not violations if check else None,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tick", type=int, default=60, help="simulated seconds per tick")
    ap.add_argument("--no-check", action="store_true", help="skip the invariant audit")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",") if x]
    raw = raw_executemany()
    results = [run(n, args.seed, args.tick, not args.no_check) for n in sizes]
    if args.json:
        print(json.dumps({"raw_executemany_rows_per_second": round(raw), "runs": results}))
        return 0
    print(f"raw sqlite3 executemany (event-like rows, 5k per transaction): {raw:,.0f} rows/s")
    print(
        f"{'reservations':>12}{'stations':>9}{'EVSEs':>7}{'events':>10}{'wall s':>8}"
        f"{'events/s':>10}{'% raw':>7}{'accept':>8}{'util':>7}{'audit':>7}"
    )
    for r in results:
        audit = "-" if r["invariants_ok"] is None else ("ok" if r["invariants_ok"] else "FAIL")
        print(
            f"{r['created']:>12,}{r['stations']:>9,}{r['evses']:>7,}{r['events']:>10,}"
            f"{r['wall_seconds']:>8.1f}{r['events_per_second']:>10,.0f}"
            f"{r['events_per_second'] / raw * 100:>6.1f}%{r['acceptance_rate']:>8.1%}"
            f"{r['utilisation']:>7.1%}{audit:>7}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
