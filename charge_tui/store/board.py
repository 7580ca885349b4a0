"""The station board's reads: what it shows and nothing more.

- **Stations** page by keyset on ``(name, id)`` (the ``ix_stations_name_id`` index), either
  direction; never ``OFFSET``, never the whole network.
- **EVSEs** of the shown stations through ``ix_evses_station_id``.
- **Held slots** of those EVSEs in the shown period through ``(evse, scheduled_start_time)``:
  a slot overlapping ``[lo, hi)`` starts after ``lo - MAX_DURATION``, so the index range is
  bounded on both sides. The status is tested in Python, as in ``queries.busy_intervals_with_ids``
  (with ``status IN`` in SQL, SQLite's planner may prefer the status index and read every held
  reservation of the store).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Connection, and_, func, or_, select

from charge_tui.domain.board import HeldSlot, Period, StationSummary, utilisation
from charge_tui.domain.enums import SLOT_HOLDING, EvseStatus, Status
from charge_tui.domain.model import Evse, Station
from charge_tui.domain.validation import MAX_DURATION
from charge_tui.store import tables as t
from charge_tui.store.mapping import evse_from_row, station_from_row

R = t.reservations
S = t.stations
V = t.evses
#: SQLite's default limit on host parameters is well above this; chunks keep statements small.
CHUNK = 500

#: A station's place in the board's order.
StationKey = tuple[str, str]


def key_of(station: Station) -> StationKey:
    return (station.name, station.id)


def station_page(
    conn: Connection,
    *,
    after: StationKey | None = None,
    before: StationKey | None = None,
    limit: int,
    inclusive: bool = False,
) -> list[Station]:
    """Up to ``limit`` stations in ``(name, id)`` order: the first ones, those after ``after``
    (from it, with ``inclusive``), or the ones just before ``before`` (returned in order).
    Each with its EVSEs."""
    q = select(S)
    if before is not None:
        name, sid = before
        q = q.where(or_(S.c.name < name, and_(S.c.name == name, S.c.id < sid)))
        q = q.order_by(S.c.name.desc(), S.c.id.desc())
    else:
        if after is not None:
            name, sid = after
            op = S.c.id >= sid if inclusive else S.c.id > sid
            q = q.where(or_(S.c.name > name, and_(S.c.name == name, op)))
        q = q.order_by(S.c.name, S.c.id)
    rows = list(conn.execute(q.limit(limit)).mappings())
    if before is not None:
        rows.reverse()
    evses = evses_of(conn, [r["id"] for r in rows])
    return [station_from_row(r, tuple(evses.get(r["id"], ()))) for r in rows]


def position(conn: Connection, key: StationKey) -> int:
    """How many stations come before ``key`` (an index range count: the network is small)."""
    name, sid = key
    q = select(func.count()).where(or_(S.c.name < name, and_(S.c.name == name, S.c.id < sid)))
    return int(conn.execute(q.select_from(S)).scalar() or 0)


def station_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(S)).scalar() or 0)


def evses_of(conn: Connection, station_ids: Sequence[str]) -> dict[str, list[Evse]]:
    out: dict[str, list[Evse]] = defaultdict(list)
    for i in range(0, len(station_ids), CHUNK):
        chunk = list(station_ids[i : i + CHUNK])
        # Sorted here, not in SQL: the station index does not hold the EVSE id (a sort step).
        for m in conn.execute(select(V).where(V.c.station_id.in_(chunk))).mappings():
            out[m["station_id"]].append(evse_from_row(m))
    for evses in out.values():
        evses.sort(key=lambda e: e.id)
    return out


def held_slots(conn: Connection, evse_ids: Sequence[str], period: Period) -> list[HeldSlot]:
    """Confirmed and completed slots on these EVSEs that overlap ``period``, by start."""
    holding = {s.value for s in SLOT_HOLDING}
    out: list[HeldSlot] = []
    for i in range(0, len(evse_ids), CHUNK):
        chunk = list(evse_ids[i : i + CHUNK])
        q = select(
            R.c.id,
            R.c.evse,
            R.c.scheduled_start_time,
            R.c.scheduled_end_time,
            R.c.status,
            R.c.driver,
        ).where(
            R.c.evse.in_(chunk),
            R.c.scheduled_start_time > period.start - MAX_DURATION,
            R.c.scheduled_start_time < period.end,
            R.c.scheduled_end_time > period.start,
        )
        for rid, evse, start, end, status, driver in conn.execute(q):
            if status in holding:
                out.append(HeldSlot(rid, evse, start, end, Status(status), driver))
    out.sort(key=lambda s: (s.evse, s.start, s.reservation_id))
    return out


def summaries(
    conn: Connection, stations: Sequence[Station], period: Period
) -> list[StationSummary]:
    """Each station's EVSE counts and its utilisation of ``period`` (one slots read for all)."""
    slots = held_slots(conn, [e.id for s in stations for e in s.evses], period)
    by_evse: dict[str, list[HeldSlot]] = defaultdict(list)
    for slot in slots:
        by_evse[slot.evse].append(slot)
    out = []
    for s in stations:
        mine = [slot for e in s.evses for slot in by_evse.get(e.id, ())]
        down = sum(1 for e in s.evses if e.status is EvseStatus.OUT_OF_ORDER)
        out.append(StationSummary(s, len(s.evses), down, utilisation(mine, len(s.evses), period)))
    return out


def station_names(conn: Connection, station_ids: Sequence[str]) -> dict[str, str]:
    """``id -> name`` for these stations (primary-key look-ups)."""
    out: dict[str, str] = {}
    ids = sorted(set(station_ids))
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        rows = conn.execute(select(S.c.id, S.c.name).where(S.c.id.in_(chunk)))
        out.update((sid, name) for sid, name in rows)
    return out
