"""Argument parsing and the error boundary of every command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from charge_tui.cli.output import (
    EXIT_API_ERROR,
    EXIT_INTERRUPTED,
    EXIT_STORE,
    EXIT_USAGE,
    print_json,
    print_line,
)
from charge_tui.domain.errors import ChargeError, StoreUnavailable

#: Modules that add sub-commands: each has ``register(subparsers)``. Imported when the full
#: command line is built (the console's own is built without them, see ``_console_parser``).
COMMAND_MODULES = ("reservations", "stations")


def _command_modules() -> list:
    """The core sub-commands, then those that live with their feature (engine, simulator,
    console) when present."""
    mods = [__import__(f"charge_tui.cli.{name}", fromlist=["register"]) for name in COMMAND_MODULES]
    for name in ("engine_cmd", "simulate", "console"):
        try:
            mods.append(__import__(f"charge_tui.cli.{name}", fromlist=["register"]))
        except ModuleNotFoundError as exc:
            if exc.name != f"charge_tui.cli.{name}":
                raise
    return mods


def _base_parser() -> argparse.ArgumentParser:
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
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = _base_parser()
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules():
        module.register(subparsers)
        # A module may name what runs without a command (the console does).
        if getattr(module, "DEFAULT_HANDLER", None) is not None:
            parser.default_handler = module.DEFAULT_HANDLER
    return parser


def opens_the_console(argv: Sequence[str]) -> bool:
    """``charge-tui [--db URL] [console]``: nothing but the console is asked for."""
    rest = list(argv)
    if rest and rest[-1] == "console":
        rest.pop()
    while rest:
        arg = rest.pop(0)
        if arg == "--db" and rest and not rest[0].startswith("-"):
            rest.pop(0)
        elif not arg.startswith("--db="):
            return False
    return True


def _console_parser() -> argparse.ArgumentParser:
    """The console's own command line (``--db`` and ``console``): parsed without loading the
    other commands' modules, which the console's first screen does not need (startup)."""
    from charge_tui.cli.console import run_console

    parser = _base_parser()
    parser.add_argument("command", nargs="?", choices=["console"])
    parser.set_defaults(handler=run_console)
    return parser


def parser_for(argv: Sequence[str]) -> argparse.ArgumentParser:
    """The parser for this command line: the console's own when only the console is asked for,
    else the full one."""
    return _console_parser() if opens_the_console(argv) else build_parser()


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = parser_for(argv)
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
