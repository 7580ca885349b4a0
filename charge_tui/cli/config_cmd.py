"""``charge-tui config path|show``: where the console's configuration file is, and what it says.

The file itself is described in ``charge_tui/config.py`` and docs/configuration.md.
"""

from __future__ import annotations

import argparse
import sys

from charge_tui.cli.commands import summary
from charge_tui.cli.helptext import add_command
from charge_tui.cli.output import print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(
        subparsers,
        "config",
        summary("config"),
        description="The console reads a TOML file: the theme, the poll interval, the KPI "
        "strip's period and keymap overrides by binding id. CHARGE_TUI_CONFIG names another "
        "file. 'show' prints the settings in force as JSON and, on standard error, one line per "
        "setting of the file that was not taken (themes and binding ids are checked when the "
        "console starts).",
        examples=["charge-tui config path", "charge-tui config show"],
    )
    p.add_argument("what", choices=("path", "show"), help="path: the file's path; show: settings")
    p.set_defaults(handler=_config)


def _config(args: argparse.Namespace) -> int:
    from charge_tui.config import config_path, load_config

    path = config_path()
    if args.what == "path":
        print(path)
        return 0
    config = load_config(path)
    for line in config.problems:
        print(line, file=sys.stderr)
    print_json(
        {
            "path": str(path),
            "exists": path.exists(),
            "theme": config.theme,
            "poll_interval": config.poll_interval,
            "kpi_period": config.kpi_period,
            "keymap": config.keymap,
        }
    )
    return 0
