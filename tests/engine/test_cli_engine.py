"""``charge-tui engine`` and ``charge-tui simulate`` as a user runs them (subprocesses)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from charge_tui.domain.clock import FrozenClock
from charge_tui.domain.enums import Status
from charge_tui.engine.network import generate_network
from charge_tui.service import ReservationService
from charge_tui.store.audit import check_invariants
from charge_tui.store.db import Database
from tests.engine.conftest import LAT, LON, T0
from tests.engine.test_simulator import START, event_log

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("CHARGE_TUI_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "charge_tui", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=ROOT,
        timeout=timeout,
    )


def popen(*args: str, env: dict | None = None) -> subprocess.Popen:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("CHARGE_TUI_DB", None)
    return subprocess.Popen(
        [sys.executable, "-m", "charge_tui", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=full_env,
        cwd=ROOT,
    )


def seeded_store(path: Path) -> tuple[Database, list[str]]:
    db = Database(f"sqlite:///{path}")
    svc = ReservationService(db, clock=FrozenClock(T0))
    svc.add_stations(generate_network(6, seed=1, center=(LAT, LON), radius_km=2))
    ids = []
    for i, (minutes, pm) in enumerate(
        [(20, "pm_card_visa"), (25, "pm_card_declined"), (5 * 60, "pm_card_visa")]
    ):
        r = svc.create(
            {
                "connector_types": ["j1772", "ccs1", "nacs"],
                "driver": f"drv_cli{i}",
                "vehicle": "veh_cli",
                "preferred_start_time": T0 + minutes * 60,
                "preferred_end_time": T0 + minutes * 60 + 1800,
                "service_area": {"latitude": LAT, "longitude": LON, "radius_meters": 5000},
                "payment_method": pm,
            }
        )
        ids.append(r.id)
    return db, ids


def test_engine_once_by_charge_tui_now(tmp_path):
    path = tmp_path / "store.db"
    db, (soon, declined, later) = seeded_store(path)
    out = cli("--db", str(path), "engine", "--once", env={"CHARGE_TUI_NOW": str(T0)})
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["object"] == "engine_tick" and result["now"] == T0
    assert (result["confirmed"], result["failed_payment"]) == (1, 1)
    svc = ReservationService(db)
    assert svc.retrieve(soon).status is Status.CONFIRMED
    assert svc.retrieve(declined).status is Status.FAILED
    assert svc.retrieve(later).status is Status.PENDING  # not due yet
    # Later, by the frozen clock: the confirmed one never showed up, the third one is due.
    out = cli(
        "--db",
        str(path),
        "engine",
        "--once",
        env={"CHARGE_TUI_NOW": str(T0 + 5 * 3600 - 1800)},
    )
    result = json.loads(out.stdout)
    assert (result["no_shows"], result["confirmed"]) == (1, 1)
    assert check_invariants(db) == []
    db.dispose()


def test_engine_loop_stops_on_sigterm(tmp_path):
    path = tmp_path / "store.db"
    db, _ids = seeded_store(path)
    proc = popen(
        "--db",
        str(path),
        "engine",
        "--interval",
        "0.2",
        "--log-format",
        "json",
        env={"CHARGE_TUI_NOW": str(T0)},
    )
    start = json.loads(proc.stderr.readline())
    assert start["level"] == "info" and start["message"].startswith("engine running on ")
    tick = json.loads(proc.stderr.readline())  # the first tick that did something
    assert tick["message"].startswith("tick: 1 confirmed, 1 failed")
    assert (tick["confirmed"], tick["failed_payment"]) == (1, 1) and tick["seconds"] > 0
    assert tick["time"].endswith("Z") and tick["logger"] == "charge_tui.engine"
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and out == ""
    lines = [json.loads(line) for line in err.splitlines()]
    assert lines[0]["message"] == "SIGTERM: stopping after the tick under way"
    assert lines[-1]["message"].startswith("engine stopped: 1 confirmed, 1 failed")
    db.dispose()


def test_engine_log_lines_for_people_and_idle_ticks_at_debug(tmp_path):
    """Text logs carry a timestamp and the level; idle ticks appear only at debug level."""
    path = tmp_path / "store.db"
    db, _ids = seeded_store(path)
    db.dispose()
    env = {"CHARGE_TUI_NOW": str(T0 - 86_400)}  # nothing due yet
    for level, idle_shown in (("info", False), ("debug", True)):
        proc = popen(
            "--db", str(path), "engine", "--interval", "0.1", "--log-level", level, env=env
        )
        time.sleep(1.5)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        lines = err.splitlines()
        assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d INFO +engine running on ", lines[0])
        assert any("DEBUG   tick: 0 confirmed" in line for line in lines) is idle_shown
        assert "INFO    engine stopped: 0 confirmed" in lines[-1]


def test_engine_on_a_bad_store_is_one_line(tmp_path):
    bad = tmp_path / "nope" / "store.db"
    out = cli("--db", str(bad), "engine", "--once")
    assert out.returncode == 3
    assert out.stderr.startswith("charge-tui: cannot open database")


def test_simulate_json_is_deterministic_across_processes(tmp_path):
    """Two processes, with different hash seeds; the first writes behind (the default: a writer
    process and a request process), the second writes in process: the same run."""
    runs = []
    for name, hashseed, how in (("a", "1", []), ("b", "2", ["--in-process"])):
        path = tmp_path / f"{name}.db"
        out = cli(
            "--db",
            str(path),
            "simulate",
            "--seed",
            "5",
            "--stations",
            "6",
            "--hours",
            "4",
            "--rate",
            "40",
            "--fault-rate",
            "0.5",
            "--start",
            str(START),
            "--json",
            *how,
            env={"PYTHONHASHSEED": hashseed},
        )
        assert out.returncode == 0, out.stderr
        k = json.loads(out.stdout)
        assert k["invariants"] == {"ok": True, "violations": []}
        assert "simulating 4 h" in out.stderr
        db = Database(f"sqlite:///{path}")
        runs.append((k, event_log(db)))
        db.dispose()
    (k1, log1), (k2, log2) = runs
    for k in (k1, k2):
        k.pop("wall_seconds")
        k.pop("transitions_per_second")
    assert k1 == k2 and log1 == log2 and len(log1) > 50


def test_simulate_text_summary(tmp_path):
    out = cli(
        "--db",
        str(tmp_path / "t.db"),
        "simulate",
        "--stations",
        "5",
        "--hours",
        "2",
        "--rate",
        "30",
        "--start",
        str(START),
        "--quiet",
    )
    assert out.returncode == 0, out.stderr
    text = out.stdout
    for needle in (
        "Simulation finished: seed 0, 2 h simulated",
        "reservations created",
        "acceptance rate",
        "utilisation",
        "fees collected",
        "transitions",
        "invariants                    ok",
    ):
        assert needle in text, text
    assert out.stderr == ""


def test_simulate_progress_ends_at_100_percent(tmp_path):
    args = ("simulate", "--stations", "5", "--hours", "2", "--rate", "30", "--start", str(START))
    out = cli("--db", str(tmp_path / "t.db"), *args)
    assert out.returncode == 0, out.stderr
    last = out.stderr.splitlines()[-1]
    assert re.match(r"^\[2026-11-18 02:00Z 100% done in [0-9hms]+\] created \d+", last), last


def test_simulate_rejects_bad_rates(tmp_path):
    out = cli("--db", str(tmp_path / "x.db"), "simulate", "--cancel-rate", "1.5")
    assert out.returncode == 2
    assert "--cancel-rate: must be from 0 to 1" in out.stderr


def test_ctrl_c_stops_cleanly_with_a_summary_and_a_consistent_store(tmp_path):
    path = tmp_path / "sigint.db"
    proc = popen(
        "--db",
        str(path),
        "simulate",
        "--stations",
        "10",
        "--hours",
        "48",
        "--rate",
        "200",
        "--speed",
        "3000",  # 48 simulated hours would take about a minute
        "--start",
        str(START),
        "--json",
    )
    deadline = time.monotonic() + 60
    seen = ""
    while " left]" not in seen and time.monotonic() < deadline:  # a progress line, time left
        seen += proc.stderr.readline()
    assert re.search(r"\d+% [0-9hms]+ left\]", seen), seen
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "stopping after the current tick" in err
    k = json.loads(out)
    assert k["interrupted"] is True and k["finished"] is False
    assert 0 < k["simulated_hours"] < 48 and k["reservations"]["created"] > 0
    assert k["invariants"]["ok"] is True
    db = Database(f"sqlite:///{path}")
    assert check_invariants(db) == []
    with db.read() as conn:
        n = conn.exec_driver_sql("SELECT COUNT(*) FROM reservation_events").scalar()
    assert n == k["events"]  # what the summary reports is exactly what was committed
    db.dispose()


def test_engine_and_store_modules_do_not_import_textual():
    code = (
        "import sys\n"
        "import charge_tui.engine.simulator, charge_tui.engine.confirmation\n"
        "import charge_tui.engine.assign, charge_tui.engine.netindex, charge_tui.store.audit\n"
        "import charge_tui.cli.engine_cmd, charge_tui.cli.simulate\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'textual'\n"
        "             or m.startswith('charge_tui.tui'))\n"
        "print(bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
