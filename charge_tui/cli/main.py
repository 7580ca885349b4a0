"""Argument parsing and the error boundary of every command.

The boundary maps what went wrong to an exit status, each with one line (or the error JSON):
1 an API error (its JSON on stdout), 2 a usage error (an option or a setting that is not valid),
3 a store that cannot be opened, read or written, 130 interrupted. Anything else is a bug: one line
naming a report file that holds the traceback (exit 70); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from charge_tui.cli.args import Parser, UsageError
from charge_tui.cli.output import (
    EXIT_API_ERROR,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_STORE,
    EXIT_USAGE,
    print_json,
    print_line,
)
from charge_tui.domain.errors import ChargeError, ConfigError, StoreUnavailable
from charge_tui.domain.text import printable

#: Modules that add sub-commands: each has ``register(subparsers)``. Imported when the full
#: command line is built (the console's own is built without them, see ``_console_parser``).
COMMAND_MODULES = ("reservations", "stations", "audit_cmd")


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
    parser = Parser(
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
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an unexpected error"
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
        elif not (arg.startswith("--db=") or arg == "--debug"):
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
    try:
        return _run(argv)
    except UsageError as exc:
        sys.stderr.write(printable(str(exc)) + "\n")
        return EXIT_USAGE
    except ConfigError as exc:
        print_line(str(exc))
        return EXIT_USAGE
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
        _silence_stdout()
        return 0
    except Exception as exc:
        if "--debug" in argv:
            raise
        print_line(_report(exc, argv))
        return EXIT_INTERNAL


def _run(argv: list[str]) -> int:
    parser = parser_for(argv)
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        default = getattr(parser, "default_handler", None)
        if default is None:
            parser.print_help()
            return 0
        handler = default
    return handler(args)


def _silence_stdout() -> None:
    """After a broken pipe, the interpreter's own flush of stdout at exit must not complain."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _report(exc: BaseException, argv: list[str]) -> str:
    """Write the traceback to a report file; the one line that says so."""
    what = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
    try:
        from platformdirs import user_log_path

        folder = Path(user_log_path("charge-tui", appauthor=False))
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{id(exc) % 100_000}.txt"
        path.write_text(
            f"charge-tui {' '.join(argv)}\n\n" + "".join(traceback.format_exception(exc)),
            encoding="utf-8",
            errors="backslashreplace",
        )
    except OSError:
        return f"internal error ({what}); run again with --debug to see where"
    return f"internal error ({what}); please report it with {path} (or run again with --debug)"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
