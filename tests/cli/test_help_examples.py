"""Every help page explains itself and its examples work when pasted.

Each page (the top, every command, every action) has a one-line summary, help for each argument,
at least one example and the exit statuses at the end, and never cites a document users do not
have. Then every example is run, in the order the pages come, in bash against one temporary store
prepared as a user's would be (a network in Berlin, reservations in each state the examples act on).
Examples that open the console (``demo``, ``console``) are only parsed; the engine's loop runs
until SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import subprocess
import time

import pytest

from charge_tui.cli.helptext import EXAMPLE_PREFIX
from charge_tui.cli.main import build_parser, parser_for
from charge_tui.domain.clock import FrozenClock
from charge_tui.engine.network import generate_network
from charge_tui.service import ReservationService
from charge_tui.store.db import Database

BERLIN = (52.52, 13.40)
INTERACTIVE = ("charge-tui demo", "charge-tui console", "charge-tui serve")


def pages() -> list[tuple[str, argparse.ArgumentParser]]:
    out: list[tuple[str, argparse.ArgumentParser]] = []

    def walk(words: str, parser: argparse.ArgumentParser) -> None:
        out.append((words, parser))
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(f"{words} {name}", sub)

    walk("charge-tui", build_parser(every=True))
    return out


def examples(help_text: str) -> list[str]:
    """The examples of a help page, each as one command line (continuations joined)."""
    block = help_text.split("\nexamples:\n", 1)[1].split("\n\n", 1)[0]
    commands, current = [], ""
    for line in block.splitlines():
        text = line[len(EXAMPLE_PREFIX) :] if line.startswith(EXAMPLE_PREFIX) else line.strip()
        current += text
        if current.endswith("\\"):
            current = current[:-1].rstrip() + " "
            continue
        commands.append(current)
        current = ""
    return commands


PAGES = pages()


@pytest.mark.parametrize("words,parser", PAGES, ids=[w for w, _ in PAGES])
def test_every_help_page_explains_itself(words, parser):
    text = parser.format_help()
    assert "SPEC" not in text and "§" not in text
    summary = (parser.description or "").split("\n\n")[0]
    assert summary and "\n" not in summary.strip() and summary.endswith("."), summary
    assert text.rstrip().endswith("130  interrupted (Ctrl+C)")
    assert "\nexit status:\n  0    success\n  1 " in text
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            assert action.help, f"{words}: {action.option_strings or action.dest} has no help"
    found = examples(text)
    assert found and all("charge-tui" in e for e in found)


def test_most_pages_show_two_examples_or_more():
    counts = [len(examples(p.format_help())) for _, p in PAGES]
    assert sum(c >= 2 for c in counts) >= len(counts) - 4, counts


@pytest.fixture
def user_store(tmp_path):
    """A store as a user's: a network in Berlin; pending reservations, two of them past their
    window; two confirmed ones under way (to complete) and two later ones (to reassign)."""
    path = tmp_path / "charge.db"
    db = Database(f"sqlite:///{path}")
    now = int(time.time())
    base = ReservationService(db)
    base.add_stations(generate_network(30, 99, BERLIN, 6))

    def make(created: int, start: int, minutes: int, *, confirm: bool = False) -> None:
        svc = ReservationService(db, clock=FrozenClock(created))
        r = svc.create(
            {
                "driver": "drv_fixture",
                "vehicle": "veh_fixture",
                "connector_types": ["ccs2", "type2"],
                "payment_method": "pm_card_visa",
                "preferred_start_time": start,
                "preferred_end_time": start + minutes * 60,
                "service_area": {
                    "latitude": BERLIN[0],
                    "longitude": BERLIN[1],
                    "radius_meters": 8000,
                },
            }
        )
        if confirm:
            svc.confirm(r.id)

    for i in range(2):  # overdue: the oldest pending ones
        make(now - 2 * 86_400 + i, now - 2 * 86_400 + 3600, 30)
    for i in range(2):  # later, confirmed (to reassign)
        make(now - 3 * 3600 + i, now + 3 * 3600, 60, confirm=True)
    for i in range(2):  # under way, confirmed (to complete): the newest confirmed ones
        make(now - 3600 + i, now - 3600 + 60, 120, confirm=True)
    for i in range(4):  # pending, for the next few hours
        make(now - 1800 + i, now + 2 * 3600, 60)
    db.dispose()
    return path


def test_every_example_works_when_pasted(user_store, tmp_path):
    env = {**os.environ, "CHARGE_TUI_DB": str(user_store), "HOME": str(tmp_path)}
    env.pop("CHARGE_TUI_NOW", None)
    ran = 0
    for words, parser in PAGES:
        for example in examples(parser.format_help()):
            argv = shlex.split(example)
            if example.startswith(INTERACTIVE) or argv == ["charge-tui"]:
                parser_for(argv[1:]).parse_args(argv[1:])  # parses; opens nothing
                continue
            if example.startswith("charge-tui engine") and "--once" not in argv:
                _run_until_sigterm(example, env, tmp_path)
                continue
            out = subprocess.run(
                ["bash", "-c", "set -o pipefail; " + example],
                capture_output=True,
                text=True,
                env=env,
                cwd=tmp_path,
                timeout=300,
            )
            assert out.returncode == 0, f"{words}: {example}\n{out.stdout[-2000:]}{out.stderr}"
            ran += 1
    assert ran >= 40
    audit = subprocess.run(
        ["charge-tui", "audit"], capture_output=True, text=True, env=env, timeout=300
    )
    assert json.loads(audit.stdout)["ok"] is True


def _run_until_sigterm(example: str, env: dict, cwd) -> None:
    proc = subprocess.Popen(
        ["bash", "-c", "exec " + example],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=cwd,
    )
    first = proc.stderr.readline()
    assert "engine running on" in first, first
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "engine stopped" in err
