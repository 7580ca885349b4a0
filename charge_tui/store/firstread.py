"""The console's first screen, read with the standard library's ``sqlite3``.

Importing the store layer (SQLAlchemy, SQLModel, pydantic) takes about half a second, three times
what Textual itself needs to paint. So that the list shows at once, ``charge-tui`` on a SQLite file
reads its first screen here, over a read-only connection, while the app is starting, and opens the
real store (:class:`~charge_tui.store.db.Database` and the service) right after the first paint;
from then on every read and write goes through the service as before.

Only what the first screen needs is here, each the same statement ``listing.py`` builds with
SQLAlchemy (``tests/store/test_firstread.py`` holds the answers to ``listing``'s on the same store,
and ``tests/store/test_query_plans.py`` their plans to the indexes):

- the first page of a list without a search (any order, direction and status filter), by keyset
  on the order's index;
- the counts per status (index ranges);
- the change token (index look-ups).

:func:`open_first_read` returns None whenever this is not the plain case (not a SQLite file, no
such file, not a charge-tui store, a store at another schema version, anything that fails): the
console then opens the store the usual way first, with its clear errors.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from urllib.parse import quote

from charge_tui.domain.codec import RESERVATION
from charge_tui.domain.enums import Status
from charge_tui.store.listquery import ListPage, ListQuery
from charge_tui.store.location import sqlite_file

#: The schema version this module's statements are written for (a test holds it to
#: ``migrations.LATEST``). A store at any other version is opened the usual way.
SCHEMA_VERSION = 6


class FirstReadUnavailable(RuntimeError):
    """The first read cannot answer (closed now that the store is open, or SQLite failed): ask
    the store, which reports its problems clearly."""


class FirstRead:
    """A read-only ``sqlite3`` connection answering the first screen's questions. Thread-safe
    (one statement at a time); :meth:`close` is final."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._lock = threading.Lock()
        self._closed = False

    def _all(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            if self._closed:
                raise FirstReadUnavailable("the first read is closed")
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise FirstReadUnavailable(str(exc)) from exc

    @staticmethod
    def serves(q: ListQuery) -> bool:
        """The first read answers lists without a search (the console opens on one)."""
        return not q.search.strip()

    def first(self, q: ListQuery, limit: int) -> ListPage:
        """The first ``limit`` rows of ``q`` (no search) in display order."""
        if not self.serves(q):
            raise ValueError("the first read serves lists without a search")
        col = q.sort.value  # a SortKey member: one of three column names
        way = "DESC" if q.descending else "ASC"
        where, params = ("WHERE status = ? ", (q.status.value,)) if q.status else ("", ())
        sql = (
            f"SELECT {RESERVATION.select_list} FROM reservations {where}"
            f"ORDER BY {col} {way}, id {way} LIMIT ?"
        )
        found = self._all(sql, (*params, limit + 1))
        rows = tuple(RESERVATION.from_values(r) for r in found[:limit])
        more = len(found) > limit
        return ListPage(rows, more, q.cursor_of(rows[-1]) if more else None)

    def counts(self) -> dict[Status, int]:
        sql = "SELECT count(*) FROM reservations WHERE status = ?"
        return {s: int(self._all(sql, (s.value,))[0][0]) for s in Status}

    def token(self) -> tuple:
        """As ``listing.change_token``."""
        seq = self._all("SELECT max(seq) FROM reservation_events")[0][0]
        updated = self._all("SELECT max(updated) FROM reservations")[0][0]
        down, lo, hi = self._all(
            "SELECT count(*), min(id), max(id) FROM evses WHERE status = 'out_of_order'"
        )[0]
        return (int(seq or 0), int(updated or 0), int(down or 0), lo or "", hi or "")

    def station_names(self, station_ids: list[str]) -> dict[str, str]:
        """``id -> name`` of these stations (primary-key look-ups)."""
        out: dict[str, str] = {}
        for i in range(0, len(station_ids), 500):
            chunk = station_ids[i : i + 500]
            sql = f"SELECT id, name FROM stations WHERE id IN ({', '.join('?' * len(chunk))})"
            out.update((r[0], r[1]) for r in self._all(sql, tuple(chunk)))
        return out

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()


def open_first_read(url: str) -> FirstRead | None:
    """A :class:`FirstRead` on the store at ``url``, or None when this is not the plain case."""
    path = sqlite_file(url)
    if path is None or not path.is_file():
        return None
    try:
        conn = sqlite3.connect(
            f"file:{quote(str(Path(path).resolve()))}?mode=ro",
            uri=True,
            check_same_thread=False,
            timeout=2.0,
        )
    except sqlite3.Error:
        return None
    try:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT value FROM schema_meta WHERE key = 'schema_version'").fetchone()
        if row is None or int(row[0]) != SCHEMA_VERSION:
            conn.close()
            return None
    except (sqlite3.Error, ValueError):
        conn.close()
        return None
    return FirstRead(conn)
