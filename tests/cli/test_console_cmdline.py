"""``charge-tui [--db URL] [console]`` is parsed by the console's own small parser (so that the
other commands' modules are not imported before the first paint); anything else by the full one."""

from __future__ import annotations

import subprocess
import sys

import pytest

from charge_tui.cli.args import UsageError
from charge_tui.cli.console import run_console
from charge_tui.cli.main import opens_the_console, parser_for


@pytest.mark.parametrize(
    "argv",
    [[], ["console"], ["--db", "x.db"], ["--db=x.db"], ["--db", "x.db", "console"]],
)
def test_the_console_alone_gets_the_console_parser(argv):
    assert opens_the_console(argv)
    args = parser_for(argv).parse_args(argv)
    assert args.handler is run_console
    assert args.db == ("x.db" if any("x.db" in a for a in argv) else None)


@pytest.mark.parametrize(
    "argv",
    [
        ["-h"],
        ["--help"],
        ["demo"],
        ["reservations", "list"],
        ["--db", "x.db", "simulate", "--fast"],
        ["console", "extra"],
        ["--db"],
        ["--dbx", "y"],
    ],
)
def test_anything_else_gets_the_full_parser(argv):
    assert not opens_the_console(argv)


def test_help_still_lists_every_command():
    done = subprocess.run(
        [sys.executable, "-m", "charge_tui", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    for command in ("reservations", "stations", "engine", "simulate", "console", "demo"):
        assert command in done.stdout


def test_the_console_parser_refuses_what_it_does_not_know(capsys):
    with pytest.raises(UsageError, match="--db"):
        parser_for(["--db"]).parse_args(["--db"])
