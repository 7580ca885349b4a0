"""The top-level commands: each one's module and one-line summary.

The command line builds the parser of the command asked for only (``charge-tui reservations …``
imports ``cli/reservations.py`` and nothing of the simulator or the console); the others are
listed by name and summary for ``charge-tui --help``. Completion builds them all.
"""

from __future__ import annotations

#: name -> (module under ``charge_tui.cli``, one-line summary), in the order help lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "console": ("console", "open the console on the store (the default)"),
    "demo": ("console", "the console with the simulator running inside it, on a fresh store"),
    "serve": ("serve_cmd", "serve the console to a web browser (one console per tab)"),
    "reservations": ("reservations", "create, list and act on reservations (JSON)"),
    "stations": ("stations", "seed, list, fault and restore stations and their EVSEs (JSON)"),
    "engine": ("engine_cmd", "run the confirmation engine on the store"),
    "simulate": ("simulate", "run the headless simulator and print its KPI summary"),
    "audit": ("audit_cmd", "check the store's invariants and report rows that break them"),
    "config": ("config_cmd", "where the console's configuration file is, and what it says"),
    "completion": ("completion", "print a shell completion script (bash, zsh or fish)"),
}


def summary(name: str) -> str:
    return COMMANDS[name][1]
