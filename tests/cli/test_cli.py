"""The command line: JSON out, the error object with a non-zero exit, clear store errors."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys

import pytest

from charge_tui.cli import main
from tests.factories import NOW, params


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, (json.loads(out.out) if out.out.strip() else None), out.err


def test_create_retrieve_list_events(env, capsys):
    code, obj, _ = run(capsys, "reservations", "create", "--data", json.dumps(params()))
    assert code == 0 and obj["object"] == "reservation" and obj["status"] == "pending"
    rid = obj["id"]
    code, got, _ = run(capsys, "reservations", "retrieve", rid)
    assert code == 0 and got == obj
    code, lst, _ = run(capsys, "reservations", "list")
    assert lst["object"] == "list" and [r["id"] for r in lst["data"]] == [rid]
    assert lst["has_more"] is False
    code, evs, _ = run(capsys, "reservations", "events", rid)
    assert [e["type"] for e in evs["data"]] == ["reservation.created"]


def test_create_from_file_and_stdin(env, capsys, tmp_path, monkeypatch):
    f = tmp_path / "p.json"
    f.write_text(json.dumps(params()))
    code, obj, _ = run(capsys, "reservations", "create", "--data", f"@{f}")
    assert code == 0 and obj["driver"] == "drv_alice"
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(params(driver="drv_bob"))))
    code, obj, _ = run(capsys, "reservations", "create", "--data", "-")
    assert code == 0 and obj["driver"] == "drv_bob"


@pytest.mark.parametrize(
    ("data", "code", "param"),
    [
        ("{not json", "parameter_invalid", None),
        ("[1, 2]", "parameter_invalid", None),
        ('"hello"', "parameter_invalid", None),
        ("null", "parameter_invalid", None),
        (
            json.dumps({k: v for k, v in params().items() if k != "driver"}),
            "parameter_missing",
            "driver",
        ),
        (
            json.dumps(params(preferred_start_time=True)),
            "parameter_invalid",
            "preferred_start_time",
        ),
        (json.dumps(params(bogus=1)), "parameter_unknown", "bogus"),
        (
            json.dumps(params()).replace('"radius_meters": 5000', '"radius_meters": NaN'),
            "parameter_invalid",
            "service_area[radius_meters]",
        ),
        (
            json.dumps(params()).replace('"latitude": 37.7749', '"latitude": NaN'),
            "parameter_invalid",
            "service_area[latitude]",
        ),
        (
            json.dumps(params()).replace('"longitude": -122.4194', '"longitude": 1e999'),
            "parameter_invalid",
            "service_area[longitude]",
        ),
        (json.dumps(params(preferred_end_time=10**40)), "parameter_invalid", "preferred_end_time"),
        (json.dumps(params(metadata={"a": ["b"]})), "parameter_invalid", "metadata[a]"),
        (json.dumps(params(metadata="k=v")), "parameter_invalid", "metadata"),
    ],
)
def test_bad_input_gets_error_shape_and_writes_nothing(env, capsys, data, code, param):
    rc, obj, _ = run(capsys, "reservations", "create", "--data", data)
    assert rc == 1
    assert set(obj) == {"error"}
    assert obj["error"]["type"] == "invalid_request_error"
    assert (obj["error"]["code"], obj["error"]["param"]) == (code, param)
    assert obj["error"]["message"]
    rc, lst, _ = run(capsys, "reservations", "list")
    assert lst["data"] == []


def test_transitions_via_cli(env, capsys):
    run(capsys, "stations", "seed", "--count", "30", "--seed", "1", "--radius-km", "3")
    _, r, _ = run(capsys, "reservations", "create", "--data", json.dumps(params()))
    rc, c, _ = run(capsys, "reservations", "confirm", r["id"])
    assert rc == 0 and c["status"] == "confirmed" and c["evse"].startswith("evse_")
    rc, again, _ = run(capsys, "reservations", "confirm", r["id"])
    assert rc == 1 and again["error"]["code"] == "reservation_unexpected_state"
    rc, moved, _ = run(capsys, "reservations", "reassign", r["id"])
    assert rc == 0 and moved["evse"] != c["evse"]
    rc, x, _ = run(capsys, "reservations", "cancel", r["id"], "--expected-version", "1")
    assert x["error"]["code"] == "concurrent_update"
    rc, x, _ = run(capsys, "reservations", "cancel", r["id"])
    assert rc == 0 and x["status"] == "cancelled"
    _, r2, _ = run(capsys, "reservations", "create", "--data", json.dumps(params()))
    rc, f, _ = run(capsys, "reservations", "fail", r2["id"], "--reason", "other")
    assert f["failure_reason"] == "other"
    # A reason that is not one of the choices is a bad flag value: a usage error.
    rc, _f, err = run(capsys, "reservations", "fail", r2["id"], "--reason", "nope")
    assert rc == 2 and "--reason" in err
    rc, e, _ = run(capsys, "reservations", "complete", r2["id"])
    assert e["error"]["code"] == "reservation_unexpected_state"
    rc, e, _ = run(capsys, "reservations", "expire", "rsv_missing")
    assert e["error"]["code"] == "resource_missing"
    _, lst, _ = run(capsys, "reservations", "list", "--status", "failed")
    assert [x["id"] for x in lst["data"]] == [r2["id"]]


def test_list_cursors_and_limits(env, capsys):
    ids = []
    for i in range(5):
        os.environ["CHARGE_TUI_NOW"] = str(NOW + i)
        _, r, _ = run(capsys, "reservations", "create", "--data", json.dumps(params()))
        ids.append(r["id"])
    ids.reverse()
    _, p, _ = run(capsys, "reservations", "list", "--limit", "2")
    assert [r["id"] for r in p["data"]] == ids[:2] and p["has_more"]
    _, p, _ = run(capsys, "reservations", "list", "--limit", "2", "--starting-after", ids[1])
    assert [r["id"] for r in p["data"]] == ids[2:4]
    _, p, _ = run(capsys, "reservations", "list", "--ending-before", ids[2])
    assert [r["id"] for r in p["data"]] == ids[:2] and not p["has_more"]
    for bad in ("0", "101", "-3", "abc"):
        # A flag value out of bounds is a usage error, like one argparse refuses: exit 2.
        rc, e, err = run(capsys, "reservations", "list", "--limit", bad)
        assert rc == 2 and e is None and "--limit" in err and err.count("\n") == 1


def test_stations_seed_and_list(env, capsys):
    rc, seeded, _ = run(capsys, "stations", "seed", "--count", "5", "--seed", "9")
    assert rc == 0 and len(seeded["data"]) == 5
    rc, again, _ = run(capsys, "stations", "seed", "--count", "5", "--seed", "9")
    assert again["data"] == []  # same seed, same stations: nothing added twice
    _, lst, _ = run(capsys, "stations", "list")
    assert lst["object"] == "list" and len(lst["data"]) == 5
    s = lst["data"][0]
    assert s["object"] == "station" and s["id"].startswith("sta_")
    assert {"id", "name", "latitude", "longitude", "evses"} <= set(s)
    assert set(s["evses"][0]) >= {"id", "connector_types", "power_kw"}
    # Bad option values are usage errors (exit 2, one line naming the option).
    rc, e, err = run(capsys, "stations", "seed", "--center", "north")
    assert rc == 2 and e is None and "--center" in err
    rc, e, err = run(capsys, "stations", "seed", "--count", "0")
    assert rc == 2 and e is None and "--count" in err


# --------------------------------------------------------------- store errors
def one_clear_line(err: str):
    lines = [line for line in err.strip().splitlines() if line]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_missing_directory(capsys, tmp_path):
    rc, obj, err = run(capsys, "--db", str(tmp_path / "nope" / "x.db"), "reservations", "list")
    assert rc == 3 and obj is None
    assert "does not exist" in one_clear_line(err)


def test_directory_as_database(capsys, tmp_path):
    rc, _, err = run(capsys, "--db", str(tmp_path), "reservations", "list")
    assert rc == 3 and "directory" in one_clear_line(err)


def test_not_a_database(capsys, tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("hello, this is not SQLite " * 100)
    rc, _, err = run(capsys, "--db", str(f), "reservations", "list")
    assert rc == 3 and "not a charge-tui database" in one_clear_line(err)


def test_another_applications_sqlite_file(capsys, tmp_path):
    f = tmp_path / "contacts.db"
    with contextlib.closing(sqlite3.connect(f)) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")
        conn.commit()
    before = f.read_bytes()
    rc, obj, err = run(capsys, "--db", str(f), "reservations", "list")
    line = one_clear_line(err)
    assert rc == 3 and obj is None
    assert "not a charge-tui database" in line and str(f.name) in line and "contacts" in line
    # The console (no command) refuses it the same way, before any screen.
    rc, obj, err = run(capsys, "--db", str(f))
    assert rc == 3 and "not a charge-tui database" in one_clear_line(err)
    assert f.read_bytes() == before  # not even switched to WAL


def test_read_only_database(capsys, tmp_path, monkeypatch):
    f = tmp_path / "ro.db"
    monkeypatch.setenv("CHARGE_TUI_NOW", str(NOW))
    assert main(["--db", str(f), "reservations", "list"]) == 0
    capsys.readouterr()
    url = f"sqlite:///file:{f}?mode=ro&uri=true"
    rc, _, err = run(capsys, "--db", url, "reservations", "create", "--data", json.dumps(params()))
    assert rc == 3 and "read-only" in one_clear_line(err)


def test_locked_database(capsys, tmp_path, monkeypatch):
    f = tmp_path / "locked.db"
    monkeypatch.setenv("CHARGE_TUI_NOW", str(NOW))
    monkeypatch.setenv("CHARGE_TUI_BUSY_TIMEOUT_MS", "200")
    assert main(["--db", str(f), "reservations", "list"]) == 0
    capsys.readouterr()
    holder = sqlite3.connect(f, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        rc, _, err = run(
            capsys, "--db", str(f), "reservations", "create", "--data", json.dumps(params())
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert rc == 3 and "locked" in one_clear_line(err)


def test_subprocess_entry_points(tmp_path):
    env = {**os.environ, "CHARGE_TUI_DB": str(tmp_path / "s.db"), "CHARGE_TUI_NOW": str(NOW)}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "charge_tui",
            "reservations",
            "create",
            "--data",
            json.dumps(params()),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["status"] == "pending"
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "charge_tui",
            "--db",
            str(tmp_path / "no" / "x.db"),
            "reservations",
            "list",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert bad.returncode == 3 and bad.stdout == ""
    assert one_clear_line(bad.stderr).startswith("charge-tui: cannot open database")
    badnow = subprocess.run(
        [sys.executable, "-m", "charge_tui", "reservations", "list"],
        capture_output=True,
        text=True,
        env={**env, "CHARGE_TUI_NOW": "someday"},
        timeout=60,
    )
    assert badnow.returncode == 2 and "CHARGE_TUI_NOW" in one_clear_line(badnow.stderr)
