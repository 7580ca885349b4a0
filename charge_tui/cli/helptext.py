"""What every help page shares: paragraphs wrapped to the terminal, examples kept as written,
the global options accepted after the command too, and the exit statuses at the end."""

from __future__ import annotations

import argparse
import re
import textwrap
from collections.abc import Sequence

from charge_tui.cli.args import Parser

EXIT_STATUS = """\
exit status:
  0    success
  1    the service refused the request: its error object as JSON on stdout
  2    a usage error, such as a flag or a value that is not valid: one line on stderr
  3    the store cannot be opened, read or written: one line on stderr
  130  interrupted (Ctrl+C)"""

#: The lines of an example: two spaces, ``$``, then the command as it is pasted.
EXAMPLE_PREFIX = "  $ "


class Formatter(argparse.HelpFormatter):
    """Wraps each paragraph of a description or an epilog on its own; indented lines (examples,
    tables) are kept as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        out: list[str] = []
        for block in re.split(r"\n\s*\n", text.strip("\n")):
            lines = block.splitlines()
            if any(line.startswith(" ") for line in lines) or block.endswith(":"):
                out.append("\n".join(indent + line for line in lines))
            else:
                out.append(
                    textwrap.fill(
                        " ".join(lines), width, initial_indent=indent, subsequent_indent=indent
                    )
                )
        return "\n\n".join(out)


def epilog(examples: Sequence[str], notes: str = "") -> str:
    parts = []
    if notes:
        parts.append(notes)
    if examples:
        parts.append("examples:\n" + "\n".join(EXAMPLE_PREFIX + e for e in examples))
    parts.append(EXIT_STATUS)
    return "\n\n".join(parts)


def add_global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """``--db`` and ``--debug``: at the top with their defaults; after a command with no default
    (``SUPPRESS``), so that they override the top's only when given there."""
    default_db = None if top else argparse.SUPPRESS
    default_debug = False if top else argparse.SUPPRESS
    parser.add_argument(
        "--db",
        metavar="URL",
        default=default_db,
        help="database URL or SQLite file path (default: $CHARGE_TUI_DB, else charge.db in the "
        "user data directory)",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        default=default_debug,
        help="show the traceback of an unexpected error",
    )


def add_command(
    subparsers: argparse._SubParsersAction,
    name: str,
    summary: str,
    *,
    description: str = "",
    examples: Sequence[str] = (),
    notes: str = "",
) -> argparse.ArgumentParser:
    """A command's parser: the summary first, then the description, the global options, and
    examples and exit statuses at the end of its help."""
    parser = subparsers.add_parser(
        name,
        help=summary,
        description=summary[0].upper()
        + summary[1:]
        + "."
        + ("\n\n" + description if description else ""),
        epilog=epilog(examples, notes),
        formatter_class=Formatter,
    )
    add_global_options(parser, top=False)
    return parser


def group(
    subparsers: argparse._SubParsersAction, name: str, summary: str, *, examples: Sequence[str] = ()
) -> argparse._SubParsersAction:
    """A command with actions of its own (``reservations create``): its parser and theirs."""
    parser = add_command(subparsers, name, summary, examples=examples)
    return parser.add_subparsers(
        dest="action", metavar="ACTION", required=True, parser_class=Parser
    )
