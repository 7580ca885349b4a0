"""Where the store is: ``--db`` flag, else ``CHARGE_TUI_DB``, else ``charge.db`` in the user data
directory (platformdirs). A plain path is a SQLite file. No SQLAlchemy here (the console resolves
the store before deciding how to read its first screen)."""

from __future__ import annotations

import os
from pathlib import Path

from charge_tui.domain.errors import StoreUnavailable
from charge_tui.domain.text import printable, text_problem

ENV_DB = "CHARGE_TUI_DB"


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("charge-tui", appauthor=False) / "charge.db"


def resolve_url(flag: str | None = None, environ: dict[str, str] | None = None) -> str:
    """The store's URL; :class:`StoreUnavailable` (one line) when it names nothing usable."""
    env = os.environ if environ is None else environ
    value = flag if flag is not None else env.get(ENV_DB) or ""
    source = "--db" if flag is not None else ENV_DB
    if flag is not None and not flag.strip():
        raise StoreUnavailable("--db is empty: give a database URL or a SQLite file path")
    if len(value) > 4096:
        raise StoreUnavailable(f"{source} is too long to be a database URL or path")
    if text_problem(value):
        raise StoreUnavailable(f"{source} is not a usable database URL or path (not valid text)")
    try:
        if not value:
            path = default_db_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            return f"sqlite:///{path}"
        if "://" not in value:
            return f"sqlite:///{Path(value).expanduser()}"
    except (OSError, RuntimeError, ValueError) as exc:
        raise StoreUnavailable(f"cannot use database path {printable(value)!r}: {exc}") from None
    return value


def sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///path`` URL (no query string, not in memory), else None."""
    if not url.startswith("sqlite:///") or "?" in url:
        return None
    path = url.removeprefix("sqlite:///")
    if not path or path == ":memory:":
        return None
    return Path(path)
