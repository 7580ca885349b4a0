"""Fuzzing the command line in process: any create body, any option value of any command. Every
run ends with exit 0, 1 (the error JSON), 2 (one line) or 3 (one line), never a traceback or an
internal error, and a refused create writes nothing."""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from charge_tui.cli import main
from tests.factories import NOW, params
from tests.strategies import create_bodies, nasty_text, texts

FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A SQLite store with a small network and a few reservations; the ids the fuzzing may use."""
    monkeypatch.setenv("CHARGE_TUI_NOW", str(NOW))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    path = str(tmp_path / "c.db")
    code, out, _ = run(path, "stations", "seed", "--count", "3", "--seed", "1")
    evse = json.loads(out)["data"][0]["evses"][0]["id"]
    rids = []
    for _ in range(3):
        _, out, _ = run(path, "reservations", "create", "--data", json.dumps(params()))
        rids.append(json.loads(out)["id"])
    return path, rids, evse


def run(path: str, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--db", path, *argv])
    return code, out.getvalue(), err.getvalue()


def rows(path: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM reservations").fetchone()[0]


def check_outcome(code: int, out: str, err: str) -> None:
    event(f"exit {code}")
    assert code in (0, 1, 2, 3), (code, err)
    assert "Traceback" not in err and "internal error" not in err, err
    out.encode("utf-8")
    if code == 1 and out.strip().startswith('{\n  "error"'):
        assert set(json.loads(out)["error"]) == {"type", "code", "param", "message"}
    if code in (2, 3):
        assert err.count("\n") == 1, err


def body_text(body: object, ascii_only: bool) -> str:
    try:
        return json.dumps(body, ensure_ascii=ascii_only)
    except (RecursionError, ValueError):
        return '{"metadata": ' + "[" * 5000 + "]" * 5000 + "}"


@FUZZ
@given(
    body=create_bodies(),
    ascii_only=st.booleans(),
    garbage=st.one_of(st.none(), texts, st.binary(max_size=60)),
    how=st.sampled_from(["arg", "file"]),
)
def test_any_body_on_the_command_line_is_created_or_refused_with_nothing_written(
    store, tmp_path, body, ascii_only, garbage, how
):
    path, _rids, _evse = store
    if garbage is None:
        text = body_text(body, ascii_only)
        raw = text.encode("utf-8", "surrogatepass")
    elif isinstance(garbage, bytes):
        raw = garbage
        text = garbage.decode("utf-8", "surrogateescape")
    else:
        text = garbage
        raw = garbage.encode("utf-8", "surrogatepass")
    if how == "file":
        f = tmp_path / "body.json"
        f.write_bytes(raw)
        data = f"@{f}"
    else:
        data = text
    before = rows(path)
    code, out, err = run(path, "reservations", "create", "--data", data)
    check_outcome(code, out, err)
    if code == 0:
        created = json.loads(out)
        assert rows(path) == before + 1
        code, got, _ = run(path, "reservations", "retrieve", created["id"])
        assert code == 0 and json.loads(got) == created
        code, lines, _ = run(path, "reservations", "export", "--search", created["id"])
        assert code == 0 and [json.loads(x) for x in lines.splitlines()] == [created]
    elif how == "arg" and (text.startswith("@") or text == "-"):
        # Garbage that reads as a file (or stdin) reference: a bad flag value (2) when it names
        # nothing readable, else the body's own refusal (1); nothing written either way.
        assert code in (1, 2) and rows(path) == before
    else:
        assert code == 1 and rows(path) == before


# ------------------------------------------------------------------ every option of every command
NUMBERISH = st.sampled_from(
    ["0", "-1", "1", "2", "0.5", "1e308", "-1e308", "nan", "inf", "-inf", "9" * 30, "1e-300", ""]
)
junk = st.one_of(NUMBERISH, nasty_text, texts)


def small(*valid: str) -> st.SearchStrategy[str]:
    """Mostly junk, sometimes a value that runs quickly."""
    return st.one_of(junk, st.sampled_from(valid))


#: command -> {option: values}; "ID"/"EVSE" stand for an existing id.
COMMANDS: dict[tuple[str, ...], dict[str, st.SearchStrategy[str]]] = {
    ("reservations", "list"): {
        "--limit": small("1", "5", "100"),
        "--status": small("pending", "confirmed"),
        "--starting-after": small("ID"),
        "--ending-before": small("ID"),
    },
    ("reservations", "retrieve", "ID"): {},
    ("reservations", "events", "ID"): {},
    ("reservations", "cancel", "ID"): {"--expected-version": small("1", "2")},
    ("reservations", "expire", "ID"): {"--expected-version": small("1")},
    ("reservations", "complete", "ID"): {"--expected-version": small("1")},
    ("reservations", "confirm", "ID"): {
        "--evse": small("EVSE"),
        "--start": small("+1h", "+90m", str(NOW + 3600), "2026-11-18 13:00"),
        "--expected-version": small("1"),
    },
    ("reservations", "reassign", "ID"): {"--evse": small("EVSE"), "--start": small("+2h")},
    ("reservations", "fail", "ID"): {"--reason": small("other", "payment_failed")},
    ("reservations", "export"): {
        "--format": small("csv", "jsonl"),
        "--status": small("pending"),
        "--search": small("drv_", "ID", "k=v"),
        "--sort": small("created", "start", "updated"),
    },
    ("stations", "seed"): {
        "--count": small("1", "2"),
        "--seed": small("1", "-5", str(2**62)),
        "--center": small("37.77,-122.42", "0,0", "91,0"),
        "--radius-km": small("1", "0.1", "500"),
    },
    ("stations", "list"): {},
    ("stations", "fault", "EVSE"): {},
    ("stations", "restore", "EVSE"): {},
    ("engine", "--once"): {
        "--limit": small("1", "10"),
        "--retry": small("1", "600"),
        "--strategy": small("batch", "fcfs"),
    },
    ("simulate", "--quiet", "--no-check"): {
        "--hours": small("0.05", "0.1"),
        "--stations": small("1", "3"),
        "--rate": small("0", "30", "300"),
        # Paced runs take real time: only values that are refused, or fast enough.
        "--speed": st.sampled_from(["0", "-1", "nan", "inf", "", "x", "1e308", "1000000"]),
        "--start": small(str(NOW), "2026-11-18T00:00:00Z", "1"),
        "--tick": small("60", "600"),
        "--seed": small("1", "7"),
        "--decline-rate": small("0", "1"),
        "--fault-rate": small("0", "24"),
        "--lead-mix": small("1,0,0", "0,0,1", "1,1"),
        "--confirm-lead": small("0", "3600"),
        "--max-slack-minutes": small("0", "1440"),
        "--radius-km": small("1", "500"),
    },
    ("audit",): {},
}


@st.composite
def command_lines(draw) -> tuple[list[str], str]:
    command = draw(st.sampled_from(sorted(COMMANDS)))
    options = COMMANDS[command]
    argv = list(command)
    if options:
        for name in draw(st.lists(st.sampled_from(sorted(options)), max_size=3, unique=True)):
            argv += [name, draw(options[name])]
    return argv, " ".join(command[:2])


@settings(FUZZ, max_examples=200)
@given(line=command_lines())
def test_every_option_of_every_command_ends_in_a_known_exit_status(store, line):
    path, rids, evse = store
    argv, name = line
    event(name)
    argv = [rids[0] if a == "ID" else evse if a == "EVSE" else a for a in argv]
    code, out, err = run(path, *argv)
    check_outcome(code, out, err)
