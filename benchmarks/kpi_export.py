"""The operations layer at scale: the KPI strip's reads, the at-risk read, and export.

On simulator-made stores (``build_store.py``: 10,000 and 1,000,000 reservations), at the clock
of the store's last event, each figure beside a floor measured in the same run:

- **KPI strip**: the first read of a period (hour and day: the period's events found by a
  binary search on ``seq``, the held slots that overlap it), a refresh with nothing new, a
  refresh that reads 200 events (the tracker is moved 200 events back), and a refresh in which
  an interval enters the period (the slots that start in it). Floor: an empty read transaction.
  The refreshes must not grow with the store.
- **at risk**: the three indexed reads, 500 rows at most each.
- **export**: ``charge-tui reservations export --format csv|jsonl`` of the whole store to
  /dev/null, in a fresh process each: rows per second and the process's peak RSS. Floor: plain
  ``sqlite3`` reading every row of the table.

    python benchmarks/kpi_export.py [--sizes 10000,1000000] [--seed 1] [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from build_store import build_store, default_path  # noqa: E402

from charge_tui.domain.kpis import KpiTracker  # noqa: E402
from charge_tui.store import atrisk, kpis  # noqa: E402
from charge_tui.store.db import Database  # noqa: E402


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def kpi_figures(path: Path, repeat: int) -> dict[str, float]:
    db = Database(f"sqlite:///{path}")
    out: dict[str, float] = {}
    with db.read() as conn:
        now = int(conn.exec_driver_sql("SELECT max(created) FROM reservation_events").scalar())
        out["floor: empty read transaction"] = median_ms(
            lambda: conn.exec_driver_sql("SELECT 1").scalar(), repeat
        )
        for period in ("hour", "day"):
            out[f"first read ({period})"] = median_ms(
                lambda p=period: kpis.refresh(conn, KpiTracker(p), now), max(3, repeat // 5)
            )
        tracker = KpiTracker("hour")
        kpis.refresh(conn, tracker, now)
        # The refreshes happen within the interval of ``now`` (none enters).
        inside = now - now % 300 + 299 if now % 300 < 299 else now
        out["refresh, nothing new"] = median_ms(lambda: kpis.refresh(conn, tracker, inside), repeat)
        last = tracker.last_seq

        def two_hundred() -> None:
            tracker.last_seq = last - 200
            kpis.refresh(conn, tracker, inside)

        out["refresh, 200 events"] = median_ms(two_hundred, repeat)

        def crossing() -> None:
            t = KpiTracker("hour")
            kpis.refresh(conn, t, now)
            started = time.perf_counter()
            kpis.refresh(conn, t, now + 300)
            crossing.took.append(time.perf_counter() - started)

        crossing.took = []
        for _ in range(max(3, repeat // 5)):
            crossing()
        out["refresh, an interval enters"] = statistics.median(crossing.took) * 1000
        out["at-risk read"] = median_ms(
            lambda: atrisk.at_risk(conn, now, confirm_lead=1800, lookahead=300, grace=1200),
            repeat,
        )
    db.dispose()
    return out


def raw_rows_per_s(path: Path) -> float:
    conn = sqlite3.connect(path)
    t = time.perf_counter()
    n = sum(1 for _ in conn.execute("SELECT * FROM reservations"))
    elapsed = time.perf_counter() - t
    conn.close()
    return n / elapsed


def export_figures(path: Path, fmt: str) -> tuple[float, float]:
    """Rows per second and peak RSS (MB) of ``reservations export`` in a fresh process."""
    with sqlite3.connect(path) as conn:
        n = conn.execute("SELECT count(*) FROM reservations").fetchone()[0]
    argv = [sys.executable, "-m", "charge_tui", "--db", str(path), "reservations", "export"]
    t = time.perf_counter()
    with open(os.devnull, "w") as sink:
        proc = subprocess.Popen([*argv, "--format", fmt], stdout=sink, cwd=HERE.parent)
        _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t
    if status != 0:
        raise SystemExit(f"export failed ({status})")
    return n / elapsed, usage.ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,1000000")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    columns: dict[int, dict[str, str]] = {}
    paths = {}
    for n in sizes:
        paths[n] = Path(default_path(n, args.seed))
        if not paths[n].exists():
            print(f"building a store of {n:,} reservations…", file=sys.stderr, flush=True)
            build_store(paths[n], n, args.seed)
    # Exports first, while this process is small: a child's peak RSS counts what it shared
    # with its parent between fork and exec.
    for n, path in paths.items():
        col = columns[n] = {}
        col["floor: sqlite3 reads every row"] = f"{raw_rows_per_s(path):,.0f} rows/s"
        for fmt in ("csv", "jsonl"):
            rate, rss = export_figures(path, fmt)
            col[f"export --format {fmt}"] = f"{rate:,.0f} rows/s, peak RSS {rss:.0f} MB"
    for n, path in paths.items():
        kpi = {k: f"{v:8.1f} ms" for k, v in kpi_figures(path, args.repeat).items()}
        columns[n] = {**kpi, **columns[n]}
    names = list(next(iter(columns.values())))
    width = max(len(k) for k in names) + 2
    print(f"{'':<{width}}" + "".join(f"{n:>40,}" for n in sizes))
    for name in names:
        print(f"{name:<{width}}" + "".join(f"{columns[n][name]:>40}" for n in sizes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
