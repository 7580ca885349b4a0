"""Transitions per second of 1, 2 and 4 engine processes sharing one PostgreSQL store (SPEC §9).

For each engine count: a fresh schema, a seeded network, N reservations all due at once (created in
one transaction through the service), then K ``charge-tui engine`` processes work the queue
(``FOR UPDATE SKIP LOCKED`` claims; the exclusion constraint refuses double bookings, the loser's
tick is replayed). Timed from the engines' start until nothing is due; transitions = events appended
by the engines. The store is audited afterwards.

    python benchmarks/engines_postgres.py [--reservations N] [--stations S] [--db URL]

Without ``--db`` (or ``$CHARGE_TUI_TEST_PG``) it starts a private server with scripts/pg_server.sh.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from charge_tui.domain.clock import FrozenClock  # noqa: E402
from charge_tui.domain.ids import IdFactory  # noqa: E402
from charge_tui.engine.network import generate_network  # noqa: E402
from charge_tui.service import ReservationService  # noqa: E402
from charge_tui.store.audit import check_invariants  # noqa: E402
from charge_tui.store.db import Database  # noqa: E402

NOW = 1_795_000_000
CENTER = (37.7749, -122.4194)


def fresh_schema(base: str) -> str:
    schema = "b_" + uuid.uuid4().hex[:10]
    eng = create_engine(base, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public")
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    eng.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema},public')}"


def prepare(url: str, n: int, stations: int, seed: int) -> Database:
    db = Database(url)
    svc = ReservationService(db, clock=FrozenClock(NOW), ids=IdFactory(random.Random(seed)))
    svc.add_stations(generate_network(stations, seed=seed, center=CENTER, radius_km=10))
    rng = random.Random(seed)
    with svc.transaction() as uow:
        for _ in range(n):
            start = NOW + rng.randint(0, 29) * 60 + 60
            minutes = rng.choice([30, 45, 60, 120, 180])
            uow.create(
                {
                    "connector_types": rng.choice(
                        [["ccs1"], ["j1772"], ["nacs"], ["ccs1", "nacs"]]
                    ),
                    "driver": "drv_bench",
                    "vehicle": "veh_bench",
                    "preferred_start_time": start,
                    "preferred_end_time": start + minutes * 60,
                    "latest_end_time": start + minutes * 60 + rng.choice([0, 1800, 7200]),
                    "service_area": {
                        "latitude": CENTER[0] + rng.uniform(-0.05, 0.05),
                        "longitude": CENTER[1] + rng.uniform(-0.05, 0.05),
                        "radius_meters": 3000,
                    },
                    "payment_method": "pm_card_visa",
                },
                actor="driver",
            )
    return db


def due(db: Database) -> int:
    with db.read() as conn:
        return conn.execute(
            text(
                "SELECT count(*) FROM reservations WHERE status IN ('pending','confirmed') "
                "AND next_check_at <= :now"
            ),
            {"now": NOW},
        ).scalar()


def engine_events(db: Database) -> int:
    with db.read() as conn:
        return conn.execute(
            text("SELECT count(*) FROM reservation_events WHERE actor = 'engine'")
        ).scalar()


def run(url: str, k: int) -> tuple[float, int]:
    env = {**os.environ, "CHARGE_TUI_NOW": str(NOW)}
    db = Database(url)
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "charge_tui",
                "--db",
                url,
                "engine",
                "--interval",
                "0.02",
                "--limit",
                "500",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=ROOT,
        )
        for _ in range(k)
    ]
    while due(db) > 0:
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=60)
    n = engine_events(db)
    problems = check_invariants(db)
    db.dispose()
    if problems:
        raise SystemExit(f"invariants broken with {k} engines: {problems[:3]}")
    return elapsed, n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reservations", type=int, default=20_000)
    ap.add_argument("--stations", type=int, default=400)
    ap.add_argument("--db", default=os.environ.get("CHARGE_TUI_TEST_PG"))
    args = ap.parse_args()
    tmp = None
    base = args.db
    if not base:
        tmp = tempfile.mkdtemp(prefix="charge-bench-pg-")
        os.chmod(tmp, 0o755)
        base = subprocess.run(
            ["bash", str(ROOT / "scripts/pg_server.sh"), "start", tmp],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    try:
        print(
            f"PostgreSQL, {args.reservations:,} reservations due at once, "
            f"{args.stations} stations; each engine: charge-tui engine --limit 500"
        )
        print(f"{'engines':>7} {'seconds':>8} {'transitions':>12} {'per second':>11}")
        for k in (1, 2, 4):
            url = fresh_schema(base)
            prepare(url, args.reservations, args.stations, seed=k).dispose()
            secs, n = run(url, k)
            print(f"{k:>7} {secs:>8.2f} {n:>12,} {n / secs:>11,.0f}")
    finally:
        if tmp:
            subprocess.run(["bash", str(ROOT / "scripts/pg_server.sh"), "stop", tmp])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
