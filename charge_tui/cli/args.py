"""Argument parsing with bounds: every option value is checked when the command line is read.

A value out of bounds is a usage error (exit 2, one line naming the option), never something a
command finds out later or that reaches the store. Numbers are finite; each option names its range
in its help.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from charge_tui.domain.text import printable

INT64_MAX = 2**63 - 1


class UsageError(Exception):
    """A command line that cannot be run as given (exit status 2); the message is one line that
    starts with the command (``charge-tui simulate: …``)."""


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line (raised as :class:`UsageError`)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {printable(message)} (see {self.prog} --help)")


def _shown(text: str) -> str:
    return repr(printable(text[:40]) + ("…" if len(text) > 40 else ""))


def int_in(lo: int, hi: int) -> Callable[[str], int]:
    """An integer from ``lo`` to ``hi``."""

    def parse(text: str) -> int:
        t = text.strip()
        if not (t.lstrip("+-").isdigit() and t.isascii() and len(t) <= 20):
            raise argparse.ArgumentTypeError(f"must be an integer, got {_shown(text)}")
        value = int(t)
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"must be from {lo:,} to {hi:,}, got {value:,}")
        return value

    parse.__name__ = "integer"
    return parse


def float_in(lo: float, hi: float, *, above: bool = False) -> Callable[[str], float]:
    """A finite number from ``lo`` (or above it, with ``above``) to ``hi``."""

    def parse(text: str) -> float:
        try:
            value = float(text) if len(text) <= 40 else math.nan
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number, got {_shown(text)}")
        if value < lo or (above and value == lo) or value > hi:
            span = f"above {lo:g} and at most {hi:g}" if above else f"from {lo:g} to {hi:g}"
            raise argparse.ArgumentTypeError(f"must be {span}, got {value:g}")
        return value

    parse.__name__ = "number"
    return parse


#: Seeds of the simulator and the generated network.
seed_arg = int_in(-INT64_MAX, INT64_MAX)
#: ``--expected-version``: a reservation's version as the caller last saw it.
version_arg = int_in(1, INT64_MAX)
