"""Commands that draw nothing start light: no Textual ever, no SQLAlchemy for help, the version
or the first page of a list on a SQLite file (read with ``sqlite3``, the same rows the service
gives); completion through argcomplete; one exit status per kind of error, for every command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from charge_tui.cli import main
from charge_tui.domain.api import list_object, reservation_to_api
from charge_tui.domain.clock import FrozenClock
from charge_tui.engine.network import generate_network
from charge_tui.service import ReservationService
from charge_tui.store.db import Database
from tests.factories import CENTER, NOW, params

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
from charge_tui.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
loaded = {m.split('.')[0] for m in sys.modules}
sys.stderr.write('\\nLOADED ' + ' '.join(sorted(loaded & {'textual', 'sqlalchemy', 'sqlmodel', 'aiohttp', 'textual_serve'})))
sys.stderr.write(' EXIT ' + str(code) + '\\n')
"""


def probe(*argv: str, db: Path) -> tuple[set[str], str]:
    """Which heavy packages running ``charge-tui argv`` imported, and its exit status."""
    env = {**os.environ, "CHARGE_TUI_DB": str(db), "CHARGE_TUI_NOW": str(NOW)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        input="",
    )
    tail = out.stderr.rsplit("LOADED", 1)[1].split()
    return set(tail[: tail.index("EXIT")]), tail[-1]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("light") / "store.db"
    db = Database(f"sqlite:///{path}")
    svc = ReservationService(db, clock=FrozenClock(NOW))
    svc.add_stations(generate_network(20, 3, CENTER, 5))
    for i in range(25):
        r = svc.create(
            params(
                driver=f"drv_p{i}",
                preferred_start_time=NOW + 3600 + 60 * i,
                preferred_end_time=NOW + 7200 + 60 * i,
            )
        )
        if i % 3 == 0:
            svc.confirm(r.id)
    db.dispose()
    return path


@pytest.mark.parametrize(
    "argv,heavy",
    [
        (["--help"], set()),
        (["--version"], set()),
        (["reservations", "--help"], set()),
        (["reservations", "list", "--limit", "1"], set()),
        (["reservations", "list", "--status", "confirmed", "--format", "ids"], set()),
        (["simulate", "--help"], set()),
        (["engine", "--help"], set()),
        (["demo", "--help"], set()),
        (["completion", "bash"], set()),
        (["config", "show"], set()),
        (["serve", "--help"], set()),
        (["reservations", "export", "--format", "jsonl"], {"sqlalchemy", "sqlmodel"}),
        (["reservations", "retrieve", "rsv_nope"], {"sqlalchemy", "sqlmodel"}),
        (["stations", "list", "--format", "ids"], {"sqlalchemy", "sqlmodel"}),
        (["engine", "--once"], {"sqlalchemy", "sqlmodel"}),
        (["audit"], {"sqlalchemy", "sqlmodel"}),
    ],
)
def test_commands_that_draw_nothing_never_import_textual(store, argv, heavy):
    loaded, _code = probe(*argv, db=store)
    assert "textual" not in loaded
    assert loaded == heavy


@pytest.mark.parametrize(
    "argv",
    [
        ["--limit", "7"],
        ["--limit", "100"],
        ["--status", "confirmed", "--limit", "3"],
        ["--status", "cancelled"],
    ],
)
def test_the_light_first_page_equals_the_services(store, capsys, argv):
    assert main(["--db", str(store), "reservations", "list", *argv]) == 0
    light = json.loads(capsys.readouterr().out)
    db = Database(f"sqlite:///{store}")
    status = argv[argv.index("--status") + 1] if "--status" in argv else None
    limit = int(argv[argv.index("--limit") + 1]) if "--limit" in argv else 10
    page = ReservationService(db).list(status=status, limit=limit)
    db.dispose()
    assert light == list_object(
        [reservation_to_api(r) for r in page.data], page.has_more, "/v1/reservations"
    )
    # The next page (a cursor) is the service's; together they walk the list once.
    if light["has_more"]:
        last = light["data"][-1]["id"]
        assert (
            main(["--db", str(store), "reservations", "list", *argv, "--starting-after", last]) == 0
        )
        more = json.loads(capsys.readouterr().out)["data"]
        assert more and not {r["id"] for r in more} & {r["id"] for r in light["data"]}


def test_bash_loads_the_completion_and_argcomplete_answers(store, tmp_path):
    env = {**os.environ, "CHARGE_TUI_DB": str(store)}
    out = subprocess.run(
        ["bash", "-c", 'eval "$(charge-tui completion bash)" && complete -p charge-tui'],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 0 and "charge-tui" in out.stdout, out.stderr
    for shell, needle in (("zsh", "#compdef charge-tui"), ("fish", "complete")):
        script = subprocess.run(
            ["charge-tui", "completion", shell], capture_output=True, text=True, timeout=60
        )
        assert script.returncode == 0 and needle in script.stdout

    def complete(line: str) -> set[str]:
        answer = tmp_path / "answer"
        subprocess.run(
            ["charge-tui"],
            env={
                **env,
                "_ARGCOMPLETE": "1",
                "COMP_LINE": line,
                "COMP_POINT": str(len(line)),
                "_ARGCOMPLETE_STDOUT_FILENAME": str(answer),
            },
            timeout=60,
            check=True,
        )
        return set(answer.read_text().replace("\x0b", " ").split())

    assert complete("charge-tui reservations li") == {"list"}
    assert complete("charge-tui reservations list --status c") == {
        "confirmed",
        "completed",
        "cancelled",
    }
    assert "--log-format" in complete("charge-tui engine --log")


BAD_STORE = "/nonexistent/dir/store.db"


@pytest.mark.parametrize(
    "argv,code",
    [
        (["reservations", "list", "--limit", "0"], 2),
        (["reservations", "list", "--limit", "abc"], 2),
        (["reservations", "list", "--status", "late"], 2),
        (["reservations", "fail", "rsv_x", "--reason", "bored"], 2),
        (["reservations", "cancel", "rsv_x", "--expected-version", "0"], 2),
        (["engine", "--interval", "-1"], 2),
        (["engine", "--log-format", "xml"], 2),
        (["simulate", "--hours", "0"], 2),
        (["stations", "seed", "--count", "0"], 2),
        (["completion", "tcsh"], 2),
        (["nope"], 2),
        (["reservations", "retrieve", "rsv_nope"], 1),
        (["reservations", "cancel", "rsv_nope"], 1),
        (["stations", "fault", "evse_nope"], 1),
        (["--db", BAD_STORE, "reservations", "list"], 3),
        (["--db", BAD_STORE, "reservations", "retrieve", "rsv_x"], 3),
        (["--db", BAD_STORE, "stations", "list"], 3),
        (["--db", BAD_STORE, "engine", "--once"], 3),
        (["--db", BAD_STORE, "audit"], 3),
        (["reservations", "list", "--db", BAD_STORE], 3),
    ],
)
def test_one_exit_status_per_kind_of_error(store, argv, code):
    env = {**os.environ, "CHARGE_TUI_DB": str(store), "CHARGE_TUI_NOW": str(NOW)}
    out = subprocess.run(
        [sys.executable, "-m", "charge_tui", *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert out.returncode == code, (out.stdout, out.stderr)
    if code == 1:
        assert json.loads(out.stdout)["error"]["code"] == "resource_missing"
    else:
        assert out.stdout == "" and out.stderr.count("\n") == 1, out.stderr
        assert "Traceback" not in out.stderr
