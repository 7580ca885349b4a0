"""An independent oracle for the four invariants of SPEC §3, reading the whole (small) store.

Deliberately naive (Python over every row) so that it can check the service and the engine, and
the production audit, without sharing their code.
"""

from __future__ import annotations

import json
import math

from sqlalchemy import text

HOLDING = ("confirmed", "completed")


def _dist(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


def violations(db) -> list[str]:
    out: list[str] = []
    with db.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(text("SELECT * FROM reservations")).mappings()]
        evses = {r["id"]: dict(r) for r in conn.execute(text("SELECT * FROM evses")).mappings()}
        stations = {
            r["id"]: dict(r) for r in conn.execute(text("SELECT * FROM stations")).mappings()
        }
        events: dict[str, list[dict]] = {}
        for e in conn.execute(text("SELECT * FROM reservation_events ORDER BY seq")).mappings():
            events.setdefault(e["reservation_id"], []).append(dict(e))
    held: dict[str, list[tuple[int, int, str]]] = {}
    for r in rows:
        rid, status = r["id"], r["status"]
        # 3. failure_reason set exactly when failed
        if (status == "failed") != (r["failure_reason"] is not None):
            out.append(f"{rid}: status {status} with failure_reason {r['failure_reason']}")
        # 4. last event agrees with status
        evs = events.get(rid, [])
        if not evs:
            out.append(f"{rid}: no events")
        elif evs[-1]["status"] != status:
            out.append(f"{rid}: last event says {evs[-1]['status']}, row says {status}")
        elif evs[0]["type"] != "reservation.created":
            out.append(f"{rid}: first event is {evs[0]['type']}")
        if status not in HOLDING:
            continue
        # 2. a held reservation is fully and correctly assigned
        s, e, ev, st = (
            r["scheduled_start_time"],
            r["scheduled_end_time"],
            r["evse"],
            r["charging_station"],
        )
        if None in (s, e, ev, st):
            out.append(f"{rid}: {status} without a full assignment")
            continue
        if not (r["earliest_start_time"] <= s and e <= r["latest_end_time"]):
            out.append(f"{rid}: slot outside the acceptable window")
        if e - s != r["preferred_end_time"] - r["preferred_start_time"]:
            out.append(f"{rid}: slot length differs from the requested duration")
        evse = evses.get(ev)
        if evse is None or evse["station_id"] != st:
            out.append(f"{rid}: evse {ev} is not on station {st}")
        else:
            if not set(evse["connector_types"].split(",")) & set(r["connector_types"].split(",")):
                out.append(f"{rid}: no acceptable connector on {ev}")
            station = stations[st]
            d = _dist(
                r["area_latitude"], r["area_longitude"], station["latitude"], station["longitude"]
            )
            if d > r["area_radius_meters"]:
                out.append(f"{rid}: station {st} is {d:.0f} m from the centre")
        held.setdefault(ev, []).append((s, e, rid))
    # 1. no two held slots overlap on one EVSE
    for ev, slots in held.items():
        slots.sort()
        for (_s1, e1, r1), (s2, _e2, r2) in zip(slots, slots[1:], strict=False):
            if s2 < e1:
                out.append(f"{ev}: {r1} and {r2} overlap")
    return out


def event_log(db) -> list[tuple]:
    with db.engine.connect() as conn:
        return [
            (r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), json.loads(r[7]))
            for r in conn.execute(
                text(
                    "SELECT id, reservation_id, type, created, actor, status, previous_json, "
                    "data_json FROM reservation_events ORDER BY seq"
                )
            )
        ]
