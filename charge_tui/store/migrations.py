"""Versioned schema for SQLite and PostgreSQL, upgraded in place.

``schema_meta.schema_version`` records the version a store is at. Opening a store runs every
migration above it, in order, in one write transaction; a store newer than this code is refused.
A brand-new store runs them all from version 0. Each migration is written to be safe on both back
ends; the dialect-specific parts say so.

- 1: the tables of ``tables.py`` as first released, and the append-only triggers on events.
- 2: PostgreSQL: ``btree_gist`` and an exclusion constraint so that no EVSE ever holds two
  overlapping confirmed/completed slots (SQLite serialises writers with ``BEGIN IMMEDIATE``
  instead, and the service checks under that lock). It is checked at commit (``DEFERRABLE
  INITIALLY DEFERRED``): inside one transaction a slot may be freed (no-show, cancel, move) and
  taken by another reservation in any row order, as long as the committed state never overlaps.
- 3: every index declared in ``tables.py`` exists (console sort orders and search).
- 4: drop ``ix_reservations_updated``, made redundant by ``(updated, id)`` (one index fewer to
  maintain on every write).
- 5: the station board's indexes: stations by ``(name, id)``, EVSEs by ``(status, id)`` (the
  declared indexes again).
- 6: held slots by start across EVSEs (the KPI strip's utilisation): a partial index on
  ``scheduled_start_time`` (the declared indexes again).

A database without ``schema_meta`` is a new store only if nothing else lives in it: a SQLite file
that already holds tables (another application's database, given by mistake) is refused with
nothing written, and so is a PostgreSQL database holding a table of ours without
``schema_meta`` (a PostgreSQL database is often shared, so other applications' tables are fine
there).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import Connection, inspect, text
from sqlmodel import SQLModel

from charge_tui.domain.errors import StoreUnavailable
from charge_tui.store import tables

Migration = Callable[[Connection, str], None]


def _v1_tables(conn: Connection, dialect: str) -> None:
    SQLModel.metadata.create_all(conn, checkfirst=True)
    if dialect == "sqlite":
        for op in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER IF NOT EXISTS reservation_events_no_{op.lower()} "
                f"BEFORE {op} ON reservation_events "
                "BEGIN SELECT RAISE(ABORT, 'reservation events are append-only'); END"
            )
    elif dialect == "postgresql":
        conn.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION reservation_events_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'reservation events are append-only'; END $$"
        )
        conn.exec_driver_sql(
            "DROP TRIGGER IF EXISTS reservation_events_append_only ON reservation_events"
        )
        conn.exec_driver_sql(
            "CREATE TRIGGER reservation_events_append_only BEFORE UPDATE OR DELETE "
            "ON reservation_events FOR EACH ROW EXECUTE FUNCTION reservation_events_append_only()"
        )


NO_DOUBLE_BOOKING = "reservations_no_double_booking"


def _v2_exclusion(conn: Connection, dialect: str) -> None:
    if dialect != "postgresql":
        return
    conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS btree_gist")
    exists = conn.execute(
        text(
            "SELECT 1 FROM pg_constraint WHERE conname = :n AND conrelid = 'reservations'::regclass"
        ),
        {"n": NO_DOUBLE_BOOKING},
    ).first()
    if not exists:
        conn.exec_driver_sql(
            f"ALTER TABLE reservations ADD CONSTRAINT {NO_DOUBLE_BOOKING} EXCLUDE USING gist "
            "(evse WITH =, int8range(scheduled_start_time, scheduled_end_time) WITH &&) "
            "WHERE (status IN ('confirmed', 'completed')) DEFERRABLE INITIALLY DEFERRED"
        )


def _v3_indexes(conn: Connection, dialect: str) -> None:
    for table in SQLModel.metadata.sorted_tables:
        existing = {ix["name"] for ix in inspect(conn).get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in existing:
                index.create(conn)


def _v4_drop_redundant(conn: Connection, dialect: str) -> None:
    conn.exec_driver_sql("DROP INDEX IF EXISTS ix_reservations_updated")


MIGRATIONS: list[tuple[int, str, Migration]] = [
    (1, "tables and append-only events", _v1_tables),
    (2, "no double booking enforced by PostgreSQL", _v2_exclusion),
    (3, "all declared indexes", _v3_indexes),
    (4, "drop a redundant index", _v4_drop_redundant),
    (5, "stations by name", _v3_indexes),
    (6, "held slots by start", _v3_indexes),
]
LATEST = MIGRATIONS[-1][0]


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table(tables.meta.name):
        return 0
    row = conn.execute(text("SELECT value FROM schema_meta WHERE key = 'schema_version'")).first()
    return int(row[0]) if row else 0


def _refuse_foreign(conn: Connection, dialect: str, where: str) -> None:
    """Raise :class:`StoreUnavailable` when a database without a schema version is not empty
    (see the module docstring)."""
    present = set(inspect(conn).get_table_names())
    if dialect != "sqlite":
        present &= {table.name for table in SQLModel.metadata.sorted_tables}
    if present:
        raise foreign_database(where, present)


def foreign_database(where: str, tables: Iterable[str]) -> StoreUnavailable:
    """The refusal of a database that holds ``tables`` but no charge-tui schema version."""
    names = sorted(tables)
    shown = ", ".join(names[:5]) + (", …" if len(names) > 5 else "")
    return StoreUnavailable(
        f"not a charge-tui database{where}: it already holds other tables ({shown}) and no "
        "charge-tui schema version; nothing was written. Give a new file or a charge-tui store"
    )


def upgrade(conn: Connection, dialect: str, target: int = LATEST, where: str = "") -> int:
    """Bring the store to ``target``; returns the version it was at. ``where``: how refusals name
    the database (e.g. `` (sqlite:///x.db)``)."""
    start = current_version(conn)
    if start > LATEST:
        raise StoreUnavailable(
            f"the database{where} was written by a newer charge-tui (schema {start}, this one knows "
            f"{LATEST}); upgrade charge-tui"
        )
    if start == 0:
        _refuse_foreign(conn, dialect, where)
    for version, _desc, step in MIGRATIONS:
        if start < version <= target:
            step(conn, dialect)
    if target > start:
        if start == 0:
            conn.execute(tables.meta.insert().values(key="schema_version", value=str(target)))
        else:
            conn.execute(
                tables.meta.update()
                .where(tables.meta.c.key == "schema_version")
                .values(value=str(target))
            )
    return start
