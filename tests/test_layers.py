"""The layering of STYLE.md, enforced: domain, store, engine and the service never import Textual
or the console."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import charge_tui

ROOT = Path(charge_tui.__file__).parent
LOWER = ("domain", "store", "engine", "service")
FORBIDDEN = ("textual", "charge_tui.tui")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_lower_layers_do_not_import_textual_statically():
    offenders = []
    files = [p for layer in LOWER for p in (ROOT / layer).rglob("*.py")]
    assert len(files) > 10  # the layers exist and are scanned
    for path in files:
        for name in imported_modules(path):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_lower_layers_do_not_import_textual_at_runtime():
    mods = [
        m.name
        for layer in LOWER
        for m in pkgutil.walk_packages([str(ROOT / layer)], prefix=f"charge_tui.{layer}.")
    ] + [f"charge_tui.{layer}" for layer in LOWER]
    code = (
        "import importlib, sys\n"
        f"for m in {mods!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.') "
        "or m.startswith('charge_tui.tui'))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
