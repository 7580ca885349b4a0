"""How every connection of ours to a SQLite store is set up (standard library only: the
write-behind writer process uses it without importing SQLAlchemy)."""

from __future__ import annotations

import contextlib
import sqlite3


def configure(
    cur: sqlite3.Cursor,
    timeout_ms: int,
    cache_size_mib: int | None = None,
    wal_autocheckpoint: int | None = None,
) -> None:
    """Busy timeout, WAL journal, ``synchronous=NORMAL``, foreign keys; the page cache and the
    WAL checkpoint interval when given (None leaves SQLite's defaults; 0 turns the automatic
    checkpoint off)."""
    cur.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")
    # On read-only media WAL cannot be set: stay in the default mode, the write will say why.
    with contextlib.suppress(sqlite3.OperationalError):
        cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.execute("PRAGMA foreign_keys = ON")
    if cache_size_mib:
        cur.execute(f"PRAGMA cache_size = -{int(cache_size_mib) * 1024}")
    if wal_autocheckpoint is not None:
        cur.execute(f"PRAGMA wal_autocheckpoint = {int(wal_autocheckpoint)}")
