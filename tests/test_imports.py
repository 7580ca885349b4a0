"""The shape of the package, checked by reading its source with ``ast``: no import cycle (counting
every import, at module level, under ``TYPE_CHECKING`` or inside a function), SQL only in the
store, and no module over the size of one idea."""

from __future__ import annotations

import ast
from pathlib import Path

import charge_tui

ROOT = Path(charge_tui.__file__).parent
PACKAGE = "charge_tui"
#: A module holds one idea: a little over this many lines is a sign it holds several.
MAX_LINES = 450


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in ROOT.rglob("*.py")}


def imports_of(name: str) -> set[str]:
    """The package's modules ``name`` imports, anywhere in its source."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        out |= {t for t in targets if t in MODULES and t != name}
    return out


def find_cycle() -> list[str] | None:
    graph = {m: imports_of(m) for m in MODULES}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            # A package's __init__ importing its own modules is not a cycle through them.
            if m.startswith(n + ".") and MODULES[n].name == "__init__.py":
                continue
            if state.get(n) == 1:
                return stack[stack.index(n) :] + [n]
            if n not in state:
                found = visit(n)
                if found:
                    return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state:
            found = visit(m)
            if found:
                return found
    return None


def test_no_import_cycle_anywhere_in_the_package():
    assert len(MODULES) > 40
    assert find_cycle() is None, " -> ".join(find_cycle() or [])


def test_the_cycle_finder_finds_a_cycle():
    """The check itself can fail: the console's app and its list screen would make one if the
    screen imported the app."""
    assert "charge_tui.tui.app" in MODULES and "charge_tui.tui.screens.list" in MODULES
    graph_has = imports_of("charge_tui.tui.app")
    assert "charge_tui.tui.screens.list" in graph_has


def third_party_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_sql_lives_in_the_store():
    """No SQLAlchemy (nor SQLModel) in the console, the engine, the domain or the CLI: they ask
    the store."""
    offenders = [
        str(p.relative_to(ROOT))
        for name, p in MODULES.items()
        if not name.startswith(("charge_tui.store", "charge_tui.service"))
        and third_party_imports(p) & {"sqlalchemy", "sqlmodel"}
    ]
    assert offenders == []


def test_no_module_holds_more_than_one_idea_by_size():
    long = {
        str(p.relative_to(ROOT)): n
        for p in MODULES.values()
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
