"""Bad input through the real command line (a subprocess, so what reaches the terminal is the
bytes Python writes): nothing written, one clear error, never a traceback. Each case here failed
before the checks it names were made."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from charge_tui.cli import main
from tests.factories import NOW, params

BODY = json.dumps(params())


def cli(tmp_path, *argv, data: bytes | None = None, env: dict | None = None):
    environ = {**os.environ, "CHARGE_TUI_NOW": str(NOW), "XDG_STATE_HOME": str(tmp_path / "st")}
    environ.update(env or {})
    out = subprocess.run(
        [sys.executable, "-m", "charge_tui", "--db", str(tmp_path / "c.db"), *argv],
        input=data,
        capture_output=True,
        env=environ,
        timeout=120,
    )
    text = out.stdout.decode("utf-8")  # strict: every byte written is UTF-8
    err = out.stderr.decode("utf-8")
    assert "Traceback" not in err, err
    return out.returncode, (json.loads(text) if text.strip() else None), err


def rows(tmp_path) -> int:
    path = tmp_path / "c.db"
    if not path.exists():
        return 0
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM reservations").fetchone()[0]


def body_with(**fields) -> str:
    return json.dumps(params(**fields))


@pytest.mark.parametrize(
    ("text", "param"),
    [
        (body_with(metadata={"k": "\ud800"}), "metadata[k]"),
        (body_with(metadata={"\ud800": "v"}), "metadata[\\ud800]"),
        (body_with(metadata={"k": "a\x00b"}), "metadata[k]"),
        (body_with(driver="drv_\udcff"), "driver"),
    ],
)
def test_text_the_store_cannot_hold_is_refused_by_name(tmp_path, text, param):
    code, obj, _ = cli(tmp_path, "reservations", "create", "--data", text)
    assert code == 1 and obj["error"]["code"] == "parameter_invalid"
    assert obj["error"]["param"] == param
    code, obj, _ = cli(tmp_path, "reservations", "create", "--data", "-", data=text.encode())
    assert code == 1 and obj["error"]["param"] == param
    assert rows(tmp_path) == 0


def test_a_body_nested_100000_deep_is_refused_in_one_error(tmp_path):
    f = tmp_path / "deep.json"
    f.write_text('{"metadata": ' + "[" * 100_000 + "]" * 100_000 + "}")
    code, obj, err = cli(tmp_path, "reservations", "create", "--data", f"@{f}")
    assert code == 1 and obj["error"]["param"] is None and "deep" in obj["error"]["message"]
    assert err == "" and rows(tmp_path) == 0


def test_a_5000_digit_time_is_refused_by_name(tmp_path):
    text = BODY.replace(str(NOW + 3600), "9" * 5000)
    code, obj, _ = cli(tmp_path, "reservations", "create", "--data", text)
    assert code == 1 and obj["error"]["param"] == "preferred_start_time"
    text = BODY.replace(str(NOW + 3600), str(2**64))
    code, obj, _ = cli(tmp_path, "reservations", "create", "--data", text)
    assert code == 1 and obj["error"]["param"] == "preferred_start_time"
    assert "64 bits" in obj["error"]["message"] and rows(tmp_path) == 0


def test_bytes_that_are_not_utf8_are_refused_from_a_file_stdin_or_the_command_line(tmp_path):
    raw = BODY.replace('"drv_alice"', '"drv_\xff\xfe"').encode("latin-1")
    f = tmp_path / "latin.json"
    f.write_bytes(raw)
    for args, data in ((["--data", f"@{f}"], None), (["--data", "-"], raw)):
        code, obj, _ = cli(tmp_path, "reservations", "create", *args, data=data)
        assert code == 1 and obj["error"]["code"] == "parameter_invalid", obj
        assert obj["error"]["param"] is None and "UTF-8" in obj["error"]["message"]
    # On the command line such bytes arrive as lone surrogates (Python's surrogateescape).
    argv_text = raw.decode("utf-8", "surrogateescape")
    code, obj, _ = cli(tmp_path, "reservations", "create", "--data", argv_text)
    assert code == 1 and "UTF-8" in obj["error"]["message"]
    assert rows(tmp_path) == 0


def test_a_row_an_older_version_stored_still_lists_retrieves_cancels_and_exports(tmp_path):
    code, created, _ = cli(tmp_path, "reservations", "create", "--data", BODY)
    rid = created["id"]
    with sqlite3.connect(tmp_path / "c.db") as conn:  # what an older version let through
        conn.execute(
            "UPDATE reservations SET metadata_json = ? WHERE id = ?",
            ('{"\\udcff":"\\ud800"}', rid),
        )
    code, got, _ = cli(tmp_path, "reservations", "retrieve", rid)
    assert code == 0 and got["metadata"] == {"\udcff": "\ud800"}  # JSON escapes: same value
    code, lst, _ = cli(tmp_path, "reservations", "list")
    assert code == 0 and lst["data"][0]["id"] == rid
    code, cancelled, _ = cli(tmp_path, "reservations", "cancel", rid)
    assert code == 0 and cancelled["status"] == "cancelled"
    for fmt in ("jsonl", "csv"):
        out = subprocess.run(
            [sys.executable, "-m", "charge_tui", "--db", str(tmp_path / "c.db")]
            + ["reservations", "export", "--format", fmt],
            capture_output=True,
            timeout=60,
        )
        assert out.returncode == 0 and rid in out.stdout.decode("utf-8")
    code, audit, _ = cli(tmp_path, "audit")
    assert code == 1 and audit["ok"] is False
    assert any(rid in v and "not valid Unicode" in v for v in audit["violations"])


@pytest.mark.parametrize(
    "option",
    [
        ["--hours", "1e308"],
        ["--hours", "nan"],
        ["--rate", "inf"],
        ["--start", "99999999999999999"],
        ["--stations", "99999999999"],
        ["--fault-rate", "1e9"],
        ["--radius-km", "-1"],
        ["--tick", "0"],
        ["--lead-mix", "0,0,0"],
        ["--seed", "9" * 5000],
    ],
)
def test_simulate_refuses_options_out_of_bounds_in_one_line(tmp_path, option):
    code, obj, err = cli(tmp_path, "simulate", *option)
    assert code == 2 and obj is None
    assert err.count("\n") == 1 and option[0] in err
    assert not (tmp_path / "c.db").exists()  # refused before the store is opened


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--speed", "0"],
        ["demo", "--stations", "0"],
        ["demo", "--warmup", "inf"],
        ["engine", "--interval", "-1"],
        ["engine", "--limit", "0"],
        ["reservations", "list", "--limit", "0"],
        ["reservations", "cancel", "rsv_x", "--expected-version", str(2**64)],
        ["stations", "seed", "--count", "0"],
    ],
)
def test_every_command_bounds_its_options(tmp_path, argv):
    code, obj, err = cli(tmp_path, *argv)
    assert code == 2 and obj is None and err.count("\n") == 1


def test_ids_that_cannot_name_anything_are_simply_not_found(tmp_path):
    cli(tmp_path, "reservations", "list")
    for argv in (
        ["reservations", "retrieve", "rsv_\udcff"],
        ["reservations", "list", "--starting-after", "\udcff"],
        ["stations", "fault", "evse_\udcff"],
    ):
        code, obj, _ = cli(tmp_path, *argv)
        assert code == 1 and obj["error"]["code"] == "resource_missing", obj


def test_a_bad_setting_in_the_environment_is_a_usage_error(tmp_path):
    code, obj, err = cli(tmp_path, "reservations", "list", env={"CHARGE_TUI_NOW": "yesterday"})
    assert code == 2 and obj is None and "CHARGE_TUI_NOW" in err and err.count("\n") == 1


def test_an_unexpected_error_is_one_line_naming_a_report_and_debug_shows_it(
    capsys, monkeypatch, tmp_path
):
    import charge_tui.cli.reservations as cmd

    def boom(args):
        raise ZeroDivisionError("a bug")

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    monkeypatch.setattr(cmd, "_list", boom)
    code = main(["--db", str(tmp_path / "c.db"), "reservations", "list"])
    err = capsys.readouterr().err
    assert code == 70 and err.count("\n") == 1 and "ZeroDivisionError: a bug" in err
    (report,) = (tmp_path / "charge-tui" / "log").glob("crash-*.txt")
    assert str(report) in err and "ZeroDivisionError" in report.read_text()
    with pytest.raises(ZeroDivisionError):
        main(["--debug", "--db", str(tmp_path / "c.db"), "reservations", "list"])


def test_a_value_error_deep_inside_is_not_taken_for_a_usage_error(capsys, monkeypatch, tmp_path):
    import charge_tui.cli.reservations as cmd

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    monkeypatch.setattr(cmd, "_list", lambda args: int("not a number"))
    assert main(["--db", str(tmp_path / "c.db"), "reservations", "list"]) == 70
    assert "internal error" in capsys.readouterr().err
