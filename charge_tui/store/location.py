"""Where the store is: ``--db`` flag, else ``CHARGE_TUI_DB``, else ``charge.db`` in the user data
directory (platformdirs). A plain path is a SQLite file. No SQLAlchemy here (the console resolves
the store before deciding how to read its first screen)."""

from __future__ import annotations

import os
from pathlib import Path

ENV_DB = "CHARGE_TUI_DB"


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("charge-tui", appauthor=False) / "charge.db"


def resolve_url(flag: str | None = None, environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    value = flag or env.get(ENV_DB) or ""
    if not value:
        path = default_db_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser()}"
    return value


def sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///path`` URL (no query string, not in memory), else None."""
    if not url.startswith("sqlite:///") or "?" in url:
        return None
    path = url.removeprefix("sqlite:///")
    if not path or path == ":memory:":
        return None
    return Path(path)
