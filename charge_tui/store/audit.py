"""The invariant audit: the four invariants of SPEC §3, checked on a whole store.

:func:`check_invariants` returns one human-readable line per violation (empty when the store is
consistent). It is used by the tests, by ``charge-tui simulate`` at the end of a run, and can be run
on any store. Each check is one SQL statement that the database answers with its indexes and a sort
(overlaps: a window function over the rows ordered by EVSE and start); Python only streams the held
reservations for the geometric checks. A 100k-reservation store is audited in about a second.

1. no EVSE holds two ``confirmed``/``completed`` reservations whose slots overlap;
2. a held reservation has station, EVSE (on that station), a slot of the requested duration inside
   its acceptable window, an acceptable connector, and the station inside its service area;
3. ``failure_reason`` is set exactly when ``status = failed`` (and is a known reason);
4. every reservation has events, the first is ``reservation.created`` and the last one's status is
   the reservation's status; every event belongs to a reservation.

Beside the invariants it reports text a reservation holds that is not valid Unicode (metadata with
a lone surrogate, which versions before the check was made could store): such a row is still
listed, shown and exported, escaped, but it is reported so it can be mended.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, text

from charge_tui.domain.enums import SLOT_HOLDING, FailureReason
from charge_tui.domain.geo import haversine_m
from charge_tui.domain.text import printable, text_problem
from charge_tui.store.db import Database

#: At most this many lines per invariant (a badly broken store must not flood the caller).
MAX_PER_CHECK = 1000

_HOLDING = ", ".join(f"'{s.value}'" for s in sorted(SLOT_HOLDING))
_REASONS = ", ".join(f"'{f.value}'" for f in FailureReason)

_OVERLAPS = f"""
SELECT evse, id, scheduled_start_time, scheduled_end_time, prev_id, prev_end FROM (
    SELECT evse, id, scheduled_start_time, scheduled_end_time,
           MAX(scheduled_end_time) OVER w AS prev_end,
           LAG(id) OVER (PARTITION BY evse ORDER BY scheduled_start_time, id) AS prev_id
    FROM reservations
    WHERE status IN ({_HOLDING}) AND evse IS NOT NULL
      AND scheduled_start_time IS NOT NULL AND scheduled_end_time IS NOT NULL
    WINDOW w AS (PARTITION BY evse ORDER BY scheduled_start_time, id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
) AS x
WHERE scheduled_start_time < prev_end
ORDER BY evse, scheduled_start_time
"""

_HELD = f"""
SELECT r.id, r.status, r.charging_station, r.evse, r.scheduled_start_time, r.scheduled_end_time,
       r.earliest_start_time, r.latest_end_time, r.preferred_start_time, r.preferred_end_time,
       r.connector_types, r.area_latitude, r.area_longitude, r.area_radius_meters,
       v.station_id AS evse_station, v.connector_types AS evse_types,
       s.latitude AS station_lat, s.longitude AS station_lon
FROM reservations r
LEFT JOIN evses v ON v.id = r.evse
LEFT JOIN stations s ON s.id = r.charging_station
WHERE r.status IN ({_HOLDING})
"""

_FAILURE_REASON = f"""
SELECT id, status, failure_reason FROM reservations
WHERE (status = 'failed' AND (failure_reason IS NULL OR failure_reason NOT IN ({_REASONS})))
   OR (status <> 'failed' AND failure_reason IS NOT NULL)
"""

_LAST_EVENT = """
SELECT r.id, r.status, last_e.status AS event_status, first_e.type AS first_type
FROM reservations r
LEFT JOIN reservation_events last_e ON last_e.seq = (
    SELECT MAX(e.seq) FROM reservation_events e WHERE e.reservation_id = r.id)
LEFT JOIN reservation_events first_e ON first_e.seq = (
    SELECT MIN(e.seq) FROM reservation_events e WHERE e.reservation_id = r.id)
WHERE last_e.status IS NULL OR last_e.status <> r.status
   OR first_e.type <> 'reservation.created'
"""

#: Metadata holding a JSON escape of a UTF-16 surrogate (``\ud800``-``\udfff``): a lone one is
#: text UTF-8 cannot encode (a valid pair, an emoji written escaped, is checked and passes).
_SURROGATE_ESCAPES = "SELECT id, metadata_json FROM reservations WHERE " + " OR ".join(
    f"metadata_json LIKE '%\\ud{c}%' ESCAPE '!'" for c in "89abcdef"
)

_ORPHAN_EVENTS = """
SELECT e.id, e.reservation_id FROM reservation_events e
WHERE NOT EXISTS (SELECT 1 FROM reservations r WHERE r.id = e.reservation_id)
"""


def check_invariants(target: Database | Connection) -> list[str]:
    """Every violation of SPEC §3's invariants in the store, as lines; empty when consistent."""
    if isinstance(target, Database):
        with target.read() as conn:
            return _check(conn)
    return _check(target)


def _check(conn: Connection) -> list[str]:
    out: list[str] = []
    out += _capped(_overlaps(conn))
    out += _capped(_held(conn))
    out += _capped(_failure_reasons(conn))
    out += _capped(_events(conn))
    out += _capped(_bad_text(conn))
    return out


def _capped(lines):
    out = []
    for line in lines:
        if len(out) >= MAX_PER_CHECK:
            out.append("… more violations of this invariant not shown")
            break
        out.append(line)
    return out


def _overlaps(conn: Connection):
    for evse, rid, start, end, prev_id, prev_end in conn.execute(text(_OVERLAPS)):
        yield (
            f"invariant 1: on {evse}, {rid} [{start}, {end}) overlaps an earlier held slot "
            f"(ending {prev_end}, e.g. {prev_id})"
        )


def _held(conn: Connection):
    for m in conn.execute(text(_HELD)).mappings():
        rid = m["id"]
        where = f"invariant 2: {rid} ({m['status']})"
        start, end = m["scheduled_start_time"], m["scheduled_end_time"]
        if None in (m["charging_station"], m["evse"], start, end):
            yield f"{where} has no complete assignment (station, EVSE, slot)"
            continue
        if m["evse_station"] is None:
            yield f"{where} is on EVSE {m['evse']}, which does not exist"
            continue
        if m["evse_station"] != m["charging_station"]:
            yield f"{where}: EVSE {m['evse']} is not on station {m['charging_station']}"
            continue
        if end - start != m["preferred_end_time"] - m["preferred_start_time"]:
            yield f"{where}: slot lasts {end - start} s, the request asked for a different duration"
        if start < m["earliest_start_time"] or end > m["latest_end_time"]:
            yield f"{where}: slot [{start}, {end}) is outside its acceptable window"
        wanted = set(m["connector_types"].split(","))
        if not wanted & set((m["evse_types"] or "").split(",")):
            yield f"{where}: EVSE {m['evse']} has no acceptable connector type"
        d = haversine_m(m["area_latitude"], m["area_longitude"], m["station_lat"], m["station_lon"])
        if d > m["area_radius_meters"]:
            yield (
                f"{where}: station {m['charging_station']} is {d:.0f} m from the area centre "
                f"(radius {m['area_radius_meters']} m)"
            )


def _failure_reasons(conn: Connection):
    for rid, status, reason in conn.execute(text(_FAILURE_REASON)):
        yield f"invariant 3: {rid} is {status} with failure_reason {reason!r}"


def _events(conn: Connection):
    for rid, status, event_status, first_type in conn.execute(text(_LAST_EVENT)):
        if event_status is None:
            yield f"invariant 4: {rid} has no events"
        elif event_status != status:
            yield f"invariant 4: {rid} is {status} but its last event says {event_status}"
        else:
            yield f"invariant 4: {rid}'s first event is {first_type}, not reservation.created"
    for eid, rid in conn.execute(text(_ORPHAN_EVENTS)):
        yield f"invariant 4: event {eid} belongs to no reservation ({rid})"


def _bad_text(conn: Connection):
    for rid, meta in conn.execute(text(_SURROGATE_ESCAPES)):
        try:
            values = json.loads(meta)
        except ValueError:
            yield f"text: {rid} holds metadata that is not JSON"
            continue
        bad = sorted(
            printable(k) for k, v in values.items() if text_problem(k) or text_problem(str(v))
        )
        if bad:
            yield (
                f"text: {rid} holds metadata that is not valid Unicode (keys {', '.join(bad)}); "
                "it is shown escaped"
            )
