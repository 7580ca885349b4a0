"""Read queries. Each one is served by an index (see ``tables.py``); none scans every reservation."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, func, select, tuple_

from charge_tui.domain.codec import RESERVATION
from charge_tui.domain.enums import SLOT_HOLDING, ConnectorType, EvseStatus, Status
from charge_tui.domain.geo import bounding_box, haversine_m
from charge_tui.domain.model import (
    Event,
    Evse,
    Reservation,
    ServiceArea,
    Station,
)
from charge_tui.domain.validation import MAX_DURATION, is_lookup_id, missing
from charge_tui.store import tables as t
from charge_tui.store.mapping import event_from_row, evse_from_row, station_from_row

R = t.reservations
#: The reservation codec (every column, in table order: what the raw SQLite reads select).
CODEC = RESERVATION


def sqlite_driver(conn: Connection) -> Any | None:
    """The ``sqlite3`` connection under ``conn`` on SQLite (the hot reads of the engine and the
    simulator skip SQLAlchemy's statement compilation and per-row processing there), else None:
    other back ends stay on SQLAlchemy Core."""
    if conn.dialect.name != "sqlite":
        return None
    return conn.connection.driver_connection


def get_reservation(conn: Connection, reservation_id: str) -> Reservation | None:
    row = conn.execute(select(R).where(R.c.id == reservation_id)).mappings().first()
    return CODEC.from_mapping(row) if row else None


def require_reservation(conn: Connection, reservation_id: str) -> Reservation:
    r = get_reservation(conn, reservation_id) if is_lookup_id(reservation_id) else None
    if r is None:
        raise missing("reservation", reservation_id, "id")
    return r


def get_many(conn: Connection, ids: Sequence[str]) -> dict[str, Reservation]:
    out: dict[str, Reservation] = {}
    raw = sqlite_driver(conn)
    if raw is not None:
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            rows = raw.execute(
                f"SELECT {CODEC.select_list} FROM reservations WHERE id IN ({', '.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
            for row in rows:
                out[row[0]] = CODEC.from_values(row)
        return out
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        for row in conn.execute(select(R).where(R.c.id.in_(chunk))).mappings():
            out[row["id"]] = CODEC.from_mapping(row)
    return out


@dataclass(frozen=True, slots=True)
class Page:
    data: list[Reservation]
    has_more: bool


def list_page(
    conn: Connection,
    *,
    status: Status | None = None,
    limit: int = 10,
    starting_after: str | None = None,
    ending_before: str | None = None,
) -> Page:
    """Newest first (created, then id, descending); Stripe-style cursors on the same order."""
    q = select(R)
    if status is not None:
        q = q.where(R.c.status == status.value)
    key = tuple_(R.c.created, R.c.id)
    if starting_after is not None:
        anchor = _anchor(conn, starting_after, "starting_after")
        q = q.where(key < tuple_(*anchor)).order_by(R.c.created.desc(), R.c.id.desc())
    elif ending_before is not None:
        anchor = _anchor(conn, ending_before, "ending_before")
        q = q.where(key > tuple_(*anchor)).order_by(R.c.created.asc(), R.c.id.asc())
    else:
        q = q.order_by(R.c.created.desc(), R.c.id.desc())
    rows = [CODEC.from_mapping(m) for m in conn.execute(q.limit(limit + 1)).mappings()]
    has_more = len(rows) > limit
    rows = rows[:limit]
    if ending_before is not None and starting_after is None:
        rows.reverse()
    return Page(rows, has_more)


def _anchor(conn: Connection, reservation_id: str, param: str) -> tuple[int, str]:
    row = None
    if is_lookup_id(reservation_id):
        row = conn.execute(select(R.c.created, R.c.id).where(R.c.id == reservation_id)).first()
    if row is None:
        raise missing("reservation", reservation_id, param)
    return row[0], row[1]


def counts_by_status(conn: Connection) -> dict[Status, int]:
    out = dict.fromkeys(Status, 0)
    for status, n in conn.execute(select(R.c.status, func.count()).group_by(R.c.status)):
        out[Status(status)] = n
    return out


def events_for(conn: Connection, reservation_id: str) -> list[Event]:
    E = t.events
    q = select(E).where(E.c.reservation_id == reservation_id).order_by(E.c.seq)
    return [event_from_row(m) for m in conn.execute(q).mappings()]


def list_stations(conn: Connection) -> list[Station]:
    evses: dict[str, list[Evse]] = defaultdict(list)
    for m in conn.execute(select(t.evses).order_by(t.evses.c.id)).mappings():
        evses[m["station_id"]].append(evse_from_row(m))
    return [
        station_from_row(m, tuple(evses[m["id"]]))
        for m in conn.execute(select(t.stations).order_by(t.stations.c.id)).mappings()
    ]


def get_station(conn: Connection, station_id: str) -> Station | None:
    row = conn.execute(select(t.stations).where(t.stations.c.id == station_id)).mappings().first()
    if row is None:
        return None
    # Sorted here: the station index does not hold the EVSE id (SQL would add a sort step).
    evs = conn.execute(select(t.evses).where(t.evses.c.station_id == station_id)).mappings()
    return station_from_row(row, tuple(sorted(map(evse_from_row, evs), key=lambda e: e.id)))


def get_evse(conn: Connection, evse_id: str) -> tuple[Station, Evse] | None:
    if not is_lookup_id(evse_id):
        return None
    row = conn.execute(select(t.evses).where(t.evses.c.id == evse_id)).mappings().first()
    if row is None:
        return None
    station = get_station(conn, row["station_id"])
    assert station is not None
    return station, evse_from_row(row)


def candidate_evses(
    conn: Connection, area: ServiceArea, connector_types: Iterable[ConnectorType]
) -> list[tuple[Station, Evse, float]]:
    """Available EVSEs with an acceptable connector on stations inside the area, with distance."""
    wanted = set(connector_types)
    min_lat, max_lat, min_lon, max_lon = bounding_box(
        area.latitude, area.longitude, area.radius_meters
    )
    S, V = t.stations, t.evses
    q = (
        select(
            S,
            V.c.id.label("evse_id"),
            V.c.connector_types.label("evse_types"),
            V.c.power_kw,
            V.c.status.label("evse_status"),
        )
        .join(V, V.c.station_id == S.c.id)
        .where(
            S.c.latitude.between(min_lat, max_lat),
            S.c.longitude.between(min_lon, max_lon),
            V.c.status == EvseStatus.AVAILABLE.value,
        )
        .order_by(S.c.id, V.c.id)
    )
    out: list[tuple[Station, Evse, float]] = []
    stations: dict[str, Station] = {}
    for m in conn.execute(q).mappings():
        d = haversine_m(area.latitude, area.longitude, m["latitude"], m["longitude"])
        if d > area.radius_meters:
            continue
        evse = evse_from_row(
            {
                "id": m["evse_id"],
                "station_id": m["id"],
                "connector_types": m["evse_types"],
                "power_kw": m["power_kw"],
                "status": m["evse_status"],
            }
        )
        if not wanted & set(evse.connector_types):
            continue
        station = stations.get(m["id"])
        if station is None:
            station = stations[m["id"]] = station_from_row(m)
        out.append((station, evse, d))
    return out


def due_ids(conn: Connection, status: Status, now: int, limit: int) -> list[str]:
    """The engine's work queue, oldest first, through ``(status, next_check_at)``.

    The rows are claimed: on PostgreSQL ``FOR UPDATE SKIP LOCKED`` locks them until the
    transaction ends and hides them from other engines meanwhile, so several engines share the
    queue without processing anything twice or waiting on each other. (SQLite has no row locks; its
    write transaction already excludes every other writer.)"""
    q = (
        select(R.c.id)
        .where(and_(R.c.status == status.value, R.c.next_check_at <= now))
        .order_by(R.c.next_check_at, R.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [r[0] for r in conn.execute(q)]


def busy_intervals_with_ids(
    conn: Connection, evse_ids: Sequence[str], lo: int, hi: int
) -> dict[str, list[tuple[int, int, str]]]:
    out: dict[str, list[tuple[int, int, str]]] = {e: [] for e in evse_ids}
    if not evse_ids:
        return out
    holding = {s.value for s in SLOT_HOLDING}
    raw = sqlite_driver(conn)
    if raw is not None:
        # The same statement as below, through the driver (this is the engine's hottest read).
        for i in range(0, len(evse_ids), 500):
            chunk = list(evse_ids[i : i + 500])
            rows = raw.execute(
                "SELECT evse, scheduled_start_time, scheduled_end_time, id, status "
                f"FROM reservations WHERE evse IN ({', '.join('?' * len(chunk))}) "
                "AND scheduled_start_time > ? AND scheduled_start_time < ? "
                "AND scheduled_end_time > ?",
                (*chunk, lo - MAX_DURATION, hi, lo),
            ).fetchall()
            for evse, start, end, rid, status in rows:
                if status in holding:
                    out[evse].append((start, end, rid))
        return out
    for i in range(0, len(evse_ids), 500):
        chunk = list(evse_ids[i : i + 500])
        # The status is tested in Python, not in SQL: with ``status IN (...)`` in the WHERE
        # clause SQLite's planner picks the (status, next_check_at) index and reads every held
        # reservation of the store; without it, it walks the (evse, scheduled_start_time) index
        # over the window only. ``scheduled_end_time > lo`` drops the slots that ended before lo.
        q = select(
            R.c.evse, R.c.scheduled_start_time, R.c.scheduled_end_time, R.c.id, R.c.status
        ).where(
            R.c.evse.in_(chunk),
            R.c.scheduled_start_time > lo - MAX_DURATION,
            R.c.scheduled_start_time < hi,
            R.c.scheduled_end_time > lo,
        )
        for evse, start, end, rid, status in conn.execute(q):
            if status in holding:
                out[evse].append((start, end, rid))
    return out


def last_event_seq(conn: Connection) -> int:
    """The ``seq`` of the store's last event (its primary key: one index probe), 0 if none."""
    value = conn.execute(select(func.max(t.events.c.seq))).scalar()
    return int(value or 0)


OPEN_STATUSES = [s.value for s in Status if not s.terminal]
OPEN_RESERVATIONS_SQL = f"SELECT {CODEC.select_list} FROM reservations WHERE status IN ({', '.join('?' * len(OPEN_STATUSES))})"


def open_reservations(conn: Connection) -> list[Reservation]:
    """Every reservation that can still change (pending or confirmed), in id order: what a
    process that answers the engine's reads from memory starts from. Through the ``(status,
    next_check_at)`` index."""
    raw = sqlite_driver(conn)
    if raw is not None:
        rows = raw.execute(OPEN_RESERVATIONS_SQL, OPEN_STATUSES).fetchall()
        out = [CODEC.from_values(row) for row in rows]
    else:
        out = [
            CODEC.from_mapping(row)
            for row in conn.execute(select(R).where(R.c.status.in_(OPEN_STATUSES))).mappings()
        ]
    out.sort(key=lambda r: r.id)
    return out


def held_on_evse(conn: Connection, evse_id: str, now: int) -> list[str]:
    """Confirmed reservations on an EVSE whose slot has not ended (via the EVSE/start index)."""
    q = select(R.c.id).where(
        R.c.evse == evse_id,
        R.c.scheduled_start_time > now - MAX_DURATION,
        R.c.status == Status.CONFIRMED.value,
        R.c.scheduled_end_time > now,
    )
    return [r[0] for r in conn.execute(q)]


def lock_evses(conn: Connection, evse_ids: Sequence[str]) -> None:
    """Row-lock these EVSEs until the transaction ends, in id order (no lock-order deadlocks
    between two transactions that each lock one batch)."""
    for i in range(0, len(evse_ids), 1000):
        chunk = list(evse_ids[i : i + 1000])
        conn.execute(
            select(t.evses.c.id)
            .where(t.evses.c.id.in_(chunk))
            .order_by(t.evses.c.id)
            .with_for_update()
        ).all()


def network_signature(conn: Connection) -> tuple:
    """(stations, EVSEs, the EVSEs not available): changes when anything the index holds does.
    Two small statements (portable: a UNION of a count and a status would not type-check on
    PostgreSQL)."""
    S, V = t.stations, t.evses
    n_stations, n_evses = conn.execute(
        select(
            select(func.count()).select_from(S).scalar_subquery(),
            select(func.count()).select_from(V).scalar_subquery(),
        )
    ).one()
    down = conn.execute(
        select(V.c.id, V.c.status).where(V.c.status != EvseStatus.AVAILABLE.value)
    ).all()
    return (int(n_stations), int(n_evses), tuple(sorted((r[0], r[1]) for r in down)))


def idempotency_seen(conn: Connection, key: str) -> tuple[str, str] | None:
    """``(request hash, reservation id)`` an idempotency key was first used with, or None."""
    row = conn.execute(
        select(t.idempotency.c.request_hash, t.idempotency.c.reservation_id).where(
            t.idempotency.c.key == key
        )
    ).first()
    return (row[0], row[1]) if row else None


def data_version(raw: Any) -> int:
    """SQLite's ``PRAGMA data_version`` on a ``sqlite3`` connection: it changes when another
    connection commits (what a cache kept between transactions compares)."""
    return raw.execute("PRAGMA data_version").fetchone()[0]
