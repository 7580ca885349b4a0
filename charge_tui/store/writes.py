"""The SQL of a unit of work's flush: what one write transaction buffered, written with
``executemany``.

:class:`Writes` is what a flush takes from the unit of work: the new reservations (inserted
whole), the changed ones grouped by the set of columns that changed (an update rewrites only the
indexes on the columns it sets, and checks the version it replaces), the events and the
idempotency keys. :func:`statements` turns them into SQLite statements, which the in-process flush
runs on the transaction's own ``sqlite3`` cursor and a write-behind writer process is handed;
:func:`execute` runs them, through SQLAlchemy Core on other back ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from charge_tui.domain.codec import RESERVATION, Codec
from charge_tui.domain.enums import EvseStatus
from charge_tui.domain.errors import CONCURRENT_UPDATE, ChargeError
from charge_tui.domain.model import Event, Reservation, Station
from charge_tui.store import tables as t
from charge_tui.store.mapping import (
    EVENT_COLUMNS,
    event_to_row,
    event_values,
    evse_to_row,
    station_to_row,
)
from charge_tui.store.queries import sqlite_driver
from charge_tui.store.writebehind import Statement

R = t.reservations


def insert_sql(codec: Codec, table: str = "reservations") -> str:
    """``INSERT`` of one row, every column of ``codec``, ``?`` placeholders (SQLite's DB-API)."""
    return (
        f"INSERT INTO {table} ({', '.join(codec.names)}) "
        f"VALUES ({', '.join('?' for _ in codec.names)})"
    )


INSERT_RESERVATION_SQL = insert_sql(RESERVATION)
INSERT_EVENT_SQL = (
    f"INSERT INTO reservation_events ({', '.join(EVENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in EVENT_COLUMNS)})"
)
SET_EVSE_STATUS_SQL = "UPDATE evses SET status = ? WHERE id = ?"


@dataclass
class Writes:
    """One flush: new reservations in id order; changed ones as ``{changed columns: [(new
    values…, id, version replaced)]}``; events; idempotency keys ``(key, hash, reservation id)``."""

    new: list[Reservation] = field(default_factory=list)
    groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    idempotency: list[tuple[str, str, str]] = field(default_factory=list)


def update_sql(cols: tuple[str, ...]) -> str:
    """The update of one set of changed columns, with the version check."""
    return (
        f"UPDATE reservations SET {', '.join(f'{c} = ?' for c in cols)} "
        "WHERE id = ? AND version = ?"
    )


def lost_race() -> ChargeError:
    return ChargeError(
        CONCURRENT_UPDATE,
        "A reservation was changed by someone else during this update; nothing was written. "
        "Look again and retry.",
        "id",
    )


def statements(w: Writes) -> list[Statement]:
    """The writes as SQLite statements: ``(sql, rows, rows the statement must change or None)``
    (idempotency keys aside: they are written by :func:`execute`)."""
    out: list[Statement] = []
    if w.new:
        values = RESERVATION.values
        out.append((INSERT_RESERVATION_SQL, [values(r) for r in w.new], None))
    for cols, rows in w.groups.items():
        out.append((update_sql(cols), rows, len(rows)))
    if w.events:
        out.append((INSERT_EVENT_SQL, [event_values(e) for e in w.events], None))
    return out


def execute(conn: Connection, w: Writes, now: int, *, multi_rowcount: bool = True) -> None:
    """Run the writes in ``conn``'s transaction; ``concurrent_update`` if a version check fails
    (the caller's transaction then rolls back). On SQLite through the DB-API cursor of the same
    transaction, which skips SQLAlchemy's per-row parameter processing."""
    if conn.dialect.name == "sqlite":
        cur = conn.connection.driver_connection.cursor()
        try:
            for sql, rows, expected in statements(w):
                cur.executemany(sql, rows)
                if expected is not None and cur.rowcount != expected:
                    raise lost_race()
        finally:
            cur.close()
    else:
        if w.new:
            conn.execute(insert(R), [RESERVATION.to_row(r) for r in w.new])
        for cols, rows in w.groups.items():
            _update_group(conn, cols, rows, multi_rowcount)
        if w.events:
            conn.execute(insert(t.events), [event_to_row(e) for e in w.events])
    if w.idempotency:
        conn.execute(
            insert(t.idempotency),
            [
                {"key": k, "request_hash": h, "reservation_id": rid, "created": now}
                for k, h, rid in w.idempotency
            ],
        )


def _update_group(
    conn: Connection, cols: tuple[str, ...], rows: list[tuple[Any, ...]], multi_rowcount: bool
) -> None:
    """One group of changed reservations through SQLAlchemy Core (PostgreSQL)."""
    stmt = (
        update(R)
        .where(R.c.id == bindparam("b_id"), R.c.version == bindparam("b_version"))
        .values({c: bindparam(c) for c in cols})
    )
    params = []
    for row in rows:
        p = dict(zip(cols, row[:-2], strict=True))
        p["b_id"], p["b_version"] = row[-2], row[-1]
        params.append(p)
    if multi_rowcount or len(params) == 1:
        if conn.execute(stmt, params).rowcount != len(params):
            raise lost_race()
    else:
        for p in params:
            if conn.execute(stmt, p).rowcount != 1:
                raise ChargeError(
                    CONCURRENT_UPDATE,
                    f"Reservation {p['b_id']} was changed by someone else; nothing was "
                    "written. Look again and retry.",
                    "id",
                )


def set_evse_status(conn: Connection, evse_id: str, status: EvseStatus) -> int:
    """Set an EVSE's status; the rows changed (0: no such EVSE)."""
    raw = sqlite_driver(conn)
    if raw is not None:
        return raw.execute(SET_EVSE_STATUS_SQL, (status.value, evse_id)).rowcount
    return conn.execute(
        update(t.evses).where(t.evses.c.id == evse_id).values(status=status.value)
    ).rowcount


def insert_stations(conn: Connection, stations: Sequence[Station], now: int) -> list[Station]:
    """Insert stations and their EVSEs; those whose id already exists are skipped."""
    ids = [s.id for s in stations]
    existing: set[str] = set()
    for i in range(0, len(ids), 500):
        existing |= {
            r[0]
            for r in conn.execute(
                select(t.stations.c.id).where(t.stations.c.id.in_(ids[i : i + 500]))
            )
        }
    new = [s for s in stations if s.id not in existing]
    if new:
        conn.execute(insert(t.stations), [station_to_row(s, now) for s in new])
        evse_rows = [evse_to_row(e) for s in new for e in s.evses]
        if evse_rows:
            conn.execute(insert(t.evses), evse_rows)
    return new
