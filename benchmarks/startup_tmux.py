"""Startup as a person sees it: the console in a real terminal (tmux), time to the first row.

Each run starts a fresh tmux session running the program and polls the pane (``tmux
capture-pane``) every few milliseconds until the first row shows: for charge-tui a
reservation id on a store of the given size, for the floor a minimal Textual app (header,
footer, a DataTable with one row) started the same way. Median of several runs each,
interleaved; the ratio is the figure to watch (target: at most 1.5).

    python benchmarks/startup_tmux.py [--size 1000000] [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

MINIMAL = """
from textual.app import App
from textual.widgets import DataTable, Footer, Header


class Minimal(App):
    def compose(self):
        yield Header()
        yield DataTable()
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("id", "status")
        table.add_row("ready_row", "pending")


Minimal().run()
"""


def time_to(command: str, marker: str, env: dict[str, str]) -> float:
    session = f"startup{os.getpid()}"
    subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    started = time.perf_counter()
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "140", "-y", "40", command],
        check=True,
        env=env,
    )
    try:
        deadline = started + 30
        while time.perf_counter() < deadline:
            pane = subprocess.run(
                ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True
            ).stdout
            if marker in pane:
                return time.perf_counter() - started
            time.sleep(0.003)
        raise SystemExit(f"{command!r} never showed {marker!r}")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    from build_store import build_store, default_path

    store = build_store(default_path(args.size, args.seed), args.size, args.seed)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(HERE.parent / "charge_tui")])
    with tempfile.TemporaryDirectory() as tmp:
        minimal = Path(tmp) / "minimal.py"
        minimal.write_text(MINIMAL)
        env = {**os.environ, "CHARGE_TUI_CONFIG": str(Path(tmp) / "config.toml")}
        py = shlex.quote(sys.executable)
        charge = f"{py} -m charge_tui --db {shlex.quote(str(store))}"
        floor = f"{py} {shlex.quote(str(minimal))}"
        runs: dict[str, list[float]] = {"charge": [], "minimal": []}
        for _ in range(args.runs):
            runs["minimal"].append(time_to(floor, "ready_row", env))
            runs["charge"].append(time_to(charge, "rsv_", env))
    charge_ms = statistics.median(runs["charge"]) * 1000
    minimal_ms = statistics.median(runs["minimal"]) * 1000
    print(
        f"first row in tmux, median of {args.runs}: charge-tui on {args.size:,} reservations "
        f"{charge_ms:.0f} ms, minimal Textual app {minimal_ms:.0f} ms, "
        f"ratio {charge_ms / minimal_ms:.2f} (target <= 1.5)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
