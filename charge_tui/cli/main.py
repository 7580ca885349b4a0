"""Argument parsing and the error boundary of every command.

The boundary maps what went wrong to an exit status, each with one line (or the error JSON):
1 an API error (its JSON on stdout), 2 a usage error (an option or a setting that is not valid),
3 a store that cannot be opened, read or written, 130 interrupted. Anything else is a bug: one line
naming a report file that holds the traceback (exit 70); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from importlib import import_module
from pathlib import Path

from charge_tui.cli.args import Parser, UsageError
from charge_tui.cli.commands import COMMANDS
from charge_tui.cli.helptext import Formatter, add_global_options, epilog
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


def _base_parser() -> argparse.ArgumentParser:
    from charge_tui import __version__

    parser = Parser(
        prog="charge-tui",
        description="Operator console and simulator of an EV-charging reservation service. "
        "With no command, opens the console on the store.",
        epilog=epilog(
            [
                "charge-tui demo",
                "charge-tui reservations list --limit 3",
                "charge-tui reservations create -d driver=drv_ada -d vehicle=veh_leaf \\\n"
                "    -d 'connector_types[]=ccs2' -d preferred_start_time=+1h \\\n"
                "    -d preferred_end_time=start+45m -d 'service_area[latitude]=52.52' \\\n"
                "    -d 'service_area[longitude]=13.40' -d 'service_area[radius_meters]=5000' \\\n"
                "    -d payment_method=pm_card_visa",
            ],
            "Global options (--db, --debug) go before or after the command. "
            "Run charge-tui COMMAND --help for a command's options and examples.",
        ),
        formatter_class=Formatter,
    )
    add_global_options(parser, top=True)
    parser.add_argument(
        "--version",
        action="version",
        version=f"charge-tui {__version__}",
        help="print the version and exit",
    )
    return parser


def command_asked(argv: Sequence[str]) -> str | None:
    """The command named on this command line (global options may come before it), if any."""
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        if arg == "--db":
            if rest:
                rest.pop(0)
        elif arg.startswith("-"):
            continue
        else:
            return arg if arg in COMMANDS else None
    return None


def build_parser(only: str | None = None, *, every: bool = False) -> argparse.ArgumentParser:
    """The command line's parser. The module of the command ``only`` is imported and registered
    (all of them with ``every``: completion); the other commands are listed by name and summary,
    all that ``charge-tui --help`` needs."""
    parser = _base_parser()
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = {COMMANDS[only][0]} if only in COMMANDS else set()
    for name, (module_name, text) in COMMANDS.items():
        if name in subparsers.choices:
            continue
        if every or module_name in wanted:
            import_module(f"charge_tui.cli.{module_name}").register(subparsers)
        else:
            subparsers.add_parser(name, help=text, add_help=False)
    return parser


def opens_the_console(argv: Sequence[str]) -> bool:
    """``charge-tui [--db URL] [console] [--db URL]``: nothing but the console is asked for."""
    rest = list(argv)
    if "console" in rest:
        rest.remove("console")
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
    else the one of the command asked for."""
    if "_ARGCOMPLETE" in os.environ:  # a shell asking for completions: every command
        return build_parser(every=True)
    return _console_parser() if opens_the_console(argv) else build_parser(command_asked(argv))


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
    if "_ARGCOMPLETE" in os.environ:
        from charge_tui.cli.completion import complete

        complete(parser)  # prints the completions and exits
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:  # no command: the console
        from charge_tui.cli.console import run_console

        handler = run_console
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
