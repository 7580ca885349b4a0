"""The README's command-line example works when pasted into a shell."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def cli_example() -> str:
    text = README.read_text()
    section = text[text.index("## Command line") :]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def test_cli_example_runs_and_confirms(tmp_path: Path) -> None:
    env = dict(os.environ)
    env.pop("CHARGE_TUI_NOW", None)
    env["CHARGE_TUI_DB"] = str(tmp_path / "readme.db")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    script = "set -euo pipefail\n" + cli_example()
    done = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader((tmp_path / "confirmed.csv").open()))
    assert len(rows) == 1
    assert rows[0]["status"] == "confirmed"
    assert rows[0]["evse"].startswith("evse_")


def test_configuration_doc_lists_every_binding_id():
    """docs/configuration.md names every binding id a keymap may use."""
    from pathlib import Path

    from charge_tui.tui import keys

    doc = (Path(__file__).resolve().parent.parent / "docs" / "configuration.md").read_text()
    missing = [b.id for b in keys.all_bindings() if f"`{b.id}`" not in doc]
    assert missing == []
