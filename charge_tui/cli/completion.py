"""``charge-tui completion bash|zsh|fish``: a script that makes the shell complete charge-tui's
commands, options and their choices.

argcomplete does the work: the script asks ``charge-tui`` itself for the completions of the line
being typed (``_ARGCOMPLETE`` in the environment), which builds the full parser and answers
without running anything. argcomplete is imported only then and here: the normal start never
loads it.
"""

from __future__ import annotations

import argparse
import sys

from charge_tui.cli.commands import summary
from charge_tui.cli.helptext import add_command

SHELLS = ("bash", "zsh", "fish")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(
        subparsers,
        "completion",
        summary("completion"),
        description="Load it in the current shell, or add it to the shell's start-up file "
        "(~/.bashrc, ~/.zshrc; for fish: charge-tui completion fish > "
        "~/.config/fish/completions/charge-tui.fish).",
        examples=[
            'eval "$(charge-tui completion bash)"',
            "charge-tui completion zsh >> ~/.zshrc",
        ],
    )
    p.add_argument("shell", choices=SHELLS, help="the shell: " + ", ".join(SHELLS))
    p.set_defaults(handler=_completion)


def _completion(args: argparse.Namespace) -> int:
    import argcomplete

    sys.stdout.write(argcomplete.shellcode(["charge-tui"], shell=args.shell))
    sys.stdout.flush()
    return 0


def complete(parser: argparse.ArgumentParser) -> None:
    """Answer the shell's request for completions (argcomplete exits when done)."""
    import argcomplete

    argcomplete.autocomplete(parser)
