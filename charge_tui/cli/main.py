"""Argument parsing and the error boundary of every command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from charge_tui.cli import reservations, stations
from charge_tui.cli.output import (
    EXIT_API_ERROR,
    EXIT_INTERRUPTED,
    EXIT_STORE,
    EXIT_USAGE,
    print_json,
    print_line,
)
from charge_tui.domain.errors import ChargeError, StoreUnavailable

#: Modules that add sub-commands: each has ``register(subparsers)``.
COMMAND_MODULES = [reservations, stations]


def _optional_modules() -> list:
    """Sub-commands that live with their feature (engine, simulator, console)."""
    mods = []
    for name in ("engine_cmd", "simulate", "console"):
        try:
            mods.append(__import__(f"charge_tui.cli.{name}", fromlist=["register"]))
        except ModuleNotFoundError as exc:
            if exc.name != f"charge_tui.cli.{name}":
                raise
    return mods


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="charge-tui",
        description="Operator console and simulator of an EV-charging reservation service.",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="database URL or SQLite file path (default: $CHARGE_TUI_DB, else charge.db in the "
        "user data directory)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES + _optional_modules():
        module.register(subparsers)
        # A module may name what runs without a command (the console does).
        if getattr(module, "DEFAULT_HANDLER", None) is not None:
            parser.default_handler = module.DEFAULT_HANDLER
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        default = getattr(parser, "default_handler", None)
        if default is None:
            parser.print_help()
            return 0
        handler = default
    try:
        return handler(args)
    except ChargeError as exc:
        print_json(exc.to_dict())
        return EXIT_API_ERROR
    except StoreUnavailable as exc:
        print_line(str(exc))
        return EXIT_STORE
    except KeyboardInterrupt:
        print_line("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. piped into `head`
        return 0
    except ValueError as exc:  # bad CHARGE_TUI_NOW and the like
        print_line(str(exc))
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
