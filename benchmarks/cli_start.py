"""How fast the command line answers: ``--version``, ``--help``, a command's help and the first
page of ``reservations list`` on stores of 10k and 1M reservations, beside the floor measured in
the same run (``python -c pass``: the interpreter alone).

Each command runs in a fresh process, from ``fork`` to exit, ``RUNS`` times after one warm-up;
the median and the fastest are printed. ``charge_tui`` is byte-compiled first (an installed
package is; see ``console_scale._byte_compile``). Targets (issue "the command line for people"):
``--help`` under 100 ms and ``list --limit 1`` under 300 ms on this machine.

    python benchmarks/cli_start.py [--runs 15] [--sizes 10000,1000000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from console_scale import _byte_compile, store_for  # noqa: E402

CLI = [sys.executable, "-m", "charge_tui"]
TARGETS = {"charge-tui --help": 100.0, "reservations list --limit 1": 300.0}


def timed(argv: list[str], runs: int, env: dict) -> tuple[float, float]:
    """Median and fastest wall time (ms) of ``argv``, each run a fresh process."""
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), min(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--sizes", default="10000,1000000")
    ap.add_argument("--json", action="store_true")
    opts = ap.parse_args()
    _byte_compile()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.pop("CHARGE_TUI_DB", None)
    rows: list[tuple[str, float, float]] = []
    rows.append(("python -c pass (floor)", *timed([sys.executable, "-c", "pass"], opts.runs, env)))
    rows.append(("charge-tui --version", *timed([*CLI, "--version"], opts.runs, env)))
    rows.append(("charge-tui --help", *timed([*CLI, "--help"], opts.runs, env)))
    rows.append(
        (
            "reservations create --help",
            *timed([*CLI, "reservations", "create", "--help"], opts.runs, env),
        )
    )
    for n in (int(x) for x in opts.sizes.split(",") if x):
        db = str(store_for(n, 1))
        rows.append(
            (
                f"reservations list --limit 1 ({n:,})",
                *timed([*CLI, "--db", db, "reservations", "list", "--limit", "1"], opts.runs, env),
            )
        )
        rows.append(
            (f"reservations retrieve (store layer) ({n:,})", *_retrieve(db, opts.runs, env))
        )
    if opts.json:
        print(json.dumps({name: {"median_ms": m, "min_ms": lo} for name, m, lo in rows}))
        return 0
    print(f"{'command':<46}{'median':>9}{'fastest':>9}{'target':>9}")
    for name, median, fastest in rows:
        target = next((f"<{t:.0f}ms" for k, t in TARGETS.items() if name.startswith(k)), "")
        print(f"{name:<46}{median:>7.0f}ms{fastest:>7.0f}ms{target:>9}")
    return 0


def _retrieve(db: str, runs: int, env: dict) -> tuple[float, float]:
    """A command that needs the store layer (SQLAlchemy): ``retrieve`` of the newest reservation."""
    out = subprocess.run(
        [*CLI, "--db", db, "reservations", "list", "--limit", "1", "--format", "ids"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return timed([*CLI, "--db", db, "reservations", "retrieve", out.stdout.strip()], runs, env)


if __name__ == "__main__":
    sys.exit(main())
