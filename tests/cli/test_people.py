"""The command line for people: -d in bracket form, relative times, global options anywhere,
--version, --show-version, --expand events, completion, and one exit status per kind of error."""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from charge_tui import __version__
from charge_tui.cli import main
from charge_tui.cli.main import opens_the_console, parser_for
from charge_tui.cli.simulate import instant_arg
from charge_tui.domain.api import API_FIELDS
from tests.cli.test_cli import run
from tests.factories import NOW, params

ROOT = Path(__file__).resolve().parents[2]
START = NOW + 3600
AREA = ["-d", "service_area[latitude]=37.7749", "-d", "service_area[longitude]=-122.4194"]


def create(capsys, *pairs: str):
    args = ["reservations", "create"]
    for pair in pairs:
        args += ["-d", pair]
    return run(capsys, *args)


BASE = (
    "driver=drv_ada",
    "vehicle=veh_leaf",
    "connector_types[]=ccs1",
    "connector_types[]=nacs",
    "service_area[latitude]=37.7749",
    "service_area[longitude]=-122.4194",
    "service_area[radius_meters]=5000",
    "payment_method=pm_card_visa",
)


def test_create_from_pairs_with_relative_times(env, capsys):
    rc, r, err = create(
        capsys,
        *BASE,
        "preferred_start_time=+1h",
        "preferred_end_time=start+45m",
        "earliest_start_time=start-15m",
        "latest_end_time=end+30m",
        "metadata[fleet]=north",
    )
    assert rc == 0, err
    assert r["connector_types"] == ["ccs1", "nacs"] and r["metadata"] == {"fleet": "north"}
    assert r["service_area"] == {"latitude": 37.7749, "longitude": -122.4194, "radius_meters": 5000}
    assert (r["preferred_start_time"], r["preferred_end_time"]) == (START, START + 45 * 60)
    assert (r["earliest_start_time"], r["latest_end_time"]) == (START - 900, START + 75 * 60)
    # A date, in the zone it names; UNIX seconds as text.
    rc, r, err = create(
        capsys,
        *BASE,
        "preferred_start_time=2026-11-18 13:00 UTC",
        f"preferred_end_time={NOW + 9000}",
    )
    assert rc == 0, err
    assert r["preferred_start_time"] == 1_795_006_800 and r["preferred_end_time"] == NOW + 9000


def test_pairs_replace_the_same_parameters_of_data(env, capsys):
    rc, r, err = run(
        capsys,
        "reservations",
        "create",
        "--data",
        json.dumps(params(preferred_start_time="+2h")),
        "-d",
        "preferred_end_time=start+2h",
        "-d",
        "connector_types[]=ccs2",
    )
    assert rc == 0, err
    assert r["connector_types"] == ["ccs2"] and r["driver"] == "drv_alice"
    assert r["preferred_end_time"] - r["preferred_start_time"] == 7200
    assert r["preferred_start_time"] == NOW + 7200


@pytest.mark.parametrize(
    "pair,param",
    [
        ("service_area[latitude]=north", "service_area[latitude]"),
        ("preferred_start_time=someday", "preferred_start_time"),
        ("preferred_start_time=start+1h", "preferred_start_time"),
        ("preferred_end_time=end+1h", "preferred_end_time"),
        ("latest_end_time=start 5m", "latest_end_time"),
        ("colour=red", "colour"),
    ],
)
def test_a_bad_parameter_is_named_and_nothing_is_written(env, capsys, pair, param):
    good = [p for p in BASE if p.split("=")[0] != pair.split("=")[0]]
    times = ["preferred_start_time=+1h", "preferred_end_time=start+1h"]
    times = [t for t in times if t.split("=")[0] != pair.split("=")[0]]
    rc, out, _ = create(capsys, *good, *times, pair)
    assert rc == 1 and out["error"]["param"] == param, out
    assert run(capsys, "reservations", "list")[1]["data"] == []


def test_a_malformed_pair_is_a_usage_error(env, capsys):
    rc, out, err = create(capsys, *BASE, "preferred_start_time")
    assert rc == 2 and out is None
    assert err.count("\n") == 1 and "-d 'preferred_start_time': write key=value" in err
    assert run(capsys, "reservations", "list")[1]["data"] == []


def cli(*args: str, stdin: str | None = None, env: dict | None = None):
    full = {**os.environ, "CHARGE_TUI_NOW": str(NOW), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "charge_tui", *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        env=full,
        cwd=ROOT,
        timeout=120,
    )


def test_json_on_standard_input_and_global_options_after_the_command(tmp_path):
    db = str(tmp_path / "s.db")
    body = json.dumps(params(preferred_end_time="start+30m"))
    out = cli("reservations", "create", "--db", db, stdin=body)
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)
    assert r["preferred_end_time"] == r["preferred_start_time"] + 1800
    listed = cli("reservations", "list", "--db", db, "--format", "ids")
    assert listed.stdout == r["id"] + "\n"
    # Before the command, after it, or both (the later one wins).
    before = cli("--db", db, "reservations", "list", "--format", "ids")
    both = cli(
        "--db", str(tmp_path / "other.db"), "reservations", "list", "--db", db, "--format", "ids"
    )
    assert before.stdout == both.stdout == listed.stdout
    empty = cli("reservations", "create", "--db", db, stdin="")
    assert empty.returncode == 2 and "give the parameters with --data" in empty.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--db", "x.db", "--seed", "3"],
        ["console", "--db", "x.db"],
        ["stations", "list", "--db", "x.db"],
        ["engine", "--once", "--db", "x.db", "--debug"],
        ["simulate", "--hours", "1", "--db", "x.db"],
    ],
)
def test_global_options_parse_after_any_command(argv):
    args = parser_for(argv).parse_args(argv)
    assert args.db == "x.db"
    assert opens_the_console(argv) is (argv[0] == "console")


def test_version_everywhere_agrees():
    out = cli("--version")
    assert out.returncode == 0 and out.stdout == f"charge-tui {__version__}\n"
    assert importlib.metadata.version("charge-tui") == __version__  # the package's own


def test_show_version_feeds_expected_version_and_expand_events(env, capsys):
    run(capsys, "stations", "seed", "--count", "30", "--seed", "1", "--radius-km", "3")
    rc, r, _ = run(capsys, "reservations", "create", "--data", json.dumps(params()))
    rc, plain, _ = run(capsys, "reservations", "retrieve", r["id"])
    assert tuple(plain) == API_FIELDS and len(plain) == 24  # the API shape, as before
    rc, shown, _ = run(capsys, "reservations", "retrieve", r["id"], "--show-version")
    assert shown == {**plain, "version": 1}
    rc, moved, _ = run(capsys, "reservations", "confirm", r["id"], "--show-version")
    assert rc == 0 and moved["version"] == 2
    rc, stale, _ = run(capsys, "reservations", "cancel", r["id"], "--expected-version", "1")
    assert rc == 1 and stale["error"]["code"] == "concurrent_update"
    rc, done, _ = run(capsys, "reservations", "cancel", r["id"], "--expected-version", "2")
    assert rc == 0 and done["status"] == "cancelled"
    rc, full, _ = run(capsys, "reservations", "retrieve", r["id"], "--expand", "events")
    rc, events, _ = run(capsys, "reservations", "events", r["id"])
    assert full["events"] == events
    types = [e["type"] for e in events["data"]]
    assert types == ["reservation.created", "reservation.confirmed", "reservation.cancelled"]
    assert {k: v for k, v in full.items() if k != "events"} == done


def test_seeding_a_network_twice_is_refused_clearly(env, capsys):
    assert run(capsys, "stations", "seed", "--count", "3", "--seed", "4")[0] == 0
    rc, out, _ = run(capsys, "stations", "seed", "--count", "5", "--seed", "4")
    assert rc == 1 and out["error"]["param"] == "seed"
    rc, out, _ = run(capsys, "stations", "seed", "--count", "3", "--seed", "4")
    assert rc == 0 and out["data"] == []  # the same network again: nothing to add
    stations = run(capsys, "stations", "list")[1]["data"]
    assert len(stations) == 3
    assert main(["stations", "list", "--format", "evse-ids"]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [e["id"] for s in stations for e in s["evses"]]


def test_simulate_start_takes_offsets_and_dates(monkeypatch):
    monkeypatch.setenv("CHARGE_TUI_NOW", str(NOW))
    assert instant_arg("+1d") == NOW + 86_400
    assert instant_arg("2026-11-18T00:00") == 1_794_960_000  # ISO 8601, naive is UTC
    assert instant_arg(str(NOW)) == NOW
