"""Rows <-> immutable domain objects. Everything above the store sees only the domain objects."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from charge_tui.domain.enums import EvseStatus, Status
from charge_tui.domain.model import (
    Event,
    Evse,
    Pricing,
    Reservation,
    Station,
)
from charge_tui.store import tables
from charge_tui.store.rowcodec import (  # noqa: F401  (reservation_from_row: re-exported)
    _connectors,
    connectors_text,
    reservation_from_row,
)


def reservation_to_row(r: Reservation) -> dict[str, Any]:
    """Column name -> value for every column of ``reservations``."""
    return dict(zip(RESERVATION_COLUMNS, reservation_values(r), strict=True))


#: ``json.dumps(value, sort_keys=True, separators=(",", ":"))`` with one encoder made once (the
#: same text; ``json.dumps`` with options builds a new encoder on every call, twice per event).
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode

#: Columns a transition may change (everything but the immutable request).
MUTABLE_COLUMNS = (
    "updated",
    "status",
    "reservation_fee",
    "currency",
    "free_cancellation_until",
    "late_cancellation_fee",
    "no_show_fee",
    "grace_period_seconds",
    "charging_station",
    "evse",
    "confirmed_at",
    "scheduled_start_time",
    "scheduled_end_time",
    "failure_reason",
    "version",
    "fees_charged",
    "next_check_at",
)


#: Every column of ``reservations``, in table order, which is the order of
#: :func:`reservation_values` (a test holds the two together).
RESERVATION_COLUMNS = tuple(c.name for c in tables.reservations.columns)


def reservation_values(r: Reservation) -> tuple[Any, ...]:
    """:func:`reservation_to_row` as a tuple in :data:`RESERVATION_COLUMNS` order (the bulk
    insert's parameters)."""
    a, p = r.service_area, r.cancellation_policy
    return (
        r.id,
        r.created,
        r.updated,
        r.status.value,
        r.driver,
        r.vehicle,
        connectors_text(r.connector_types),
        r.preferred_start_time,
        r.preferred_end_time,
        r.earliest_start_time,
        r.latest_end_time,
        a.latitude,
        a.longitude,
        a.radius_meters,
        _canonical(dict(r.metadata)) if r.metadata else "{}",
        r.payment_method,
        r.reservation_fee,
        r.currency,
        p.free_cancellation_until,
        p.late_cancellation_fee,
        p.no_show_fee,
        p.grace_period_seconds,
        r.charging_station,
        r.evse,
        r.confirmed_at,
        r.scheduled_start_time,
        r.scheduled_end_time,
        r.failure_reason.value if r.failure_reason else None,
        r.version,
        r.fees_charged,
        r.next_check_at,
    )


def changed_values(old: Reservation, new: Reservation) -> dict[str, Any]:
    """The columns of :data:`MUTABLE_COLUMNS` whose value differs between ``old`` (as stored) and
    ``new``, with their new values, in :data:`MUTABLE_COLUMNS` order (an update sets only those)."""
    out: dict[str, Any] = {}
    if old.updated != new.updated:
        out["updated"] = new.updated
    if old.status is not new.status:
        out["status"] = new.status.value
    if old.reservation_fee != new.reservation_fee:
        out["reservation_fee"] = new.reservation_fee
    if old.currency != new.currency:
        out["currency"] = new.currency
    po, pn = old.cancellation_policy, new.cancellation_policy
    if po is not pn:
        if po.free_cancellation_until != pn.free_cancellation_until:
            out["free_cancellation_until"] = pn.free_cancellation_until
        if po.late_cancellation_fee != pn.late_cancellation_fee:
            out["late_cancellation_fee"] = pn.late_cancellation_fee
        if po.no_show_fee != pn.no_show_fee:
            out["no_show_fee"] = pn.no_show_fee
        if po.grace_period_seconds != pn.grace_period_seconds:
            out["grace_period_seconds"] = pn.grace_period_seconds
    if old.charging_station != new.charging_station:
        out["charging_station"] = new.charging_station
    if old.evse != new.evse:
        out["evse"] = new.evse
    if old.confirmed_at != new.confirmed_at:
        out["confirmed_at"] = new.confirmed_at
    if old.scheduled_start_time != new.scheduled_start_time:
        out["scheduled_start_time"] = new.scheduled_start_time
    if old.scheduled_end_time != new.scheduled_end_time:
        out["scheduled_end_time"] = new.scheduled_end_time
    if old.failure_reason is not new.failure_reason:
        out["failure_reason"] = new.failure_reason.value if new.failure_reason else None
    if old.version != new.version:
        out["version"] = new.version
    if old.fees_charged != new.fees_charged:
        out["fees_charged"] = new.fees_charged
    if old.next_check_at != new.next_check_at:
        out["next_check_at"] = new.next_check_at
    return out


def event_values(e: Event) -> tuple[Any, ...]:
    """:func:`event_to_row` as a tuple in :data:`EVENT_COLUMNS` order."""
    return (
        e.id,
        e.reservation_id,
        e.type,
        e.created,
        e.actor,
        e.status.value,
        _canonical(e.previous) if e.previous else "{}",
        _canonical(e.data) if e.data else "{}",
    )


EVENT_COLUMNS = (
    "id",
    "reservation_id",
    "type",
    "created",
    "actor",
    "status",
    "previous_json",
    "data_json",
)


def event_from_row(row: Mapping[str, Any]) -> Event:
    return Event(
        id=row["id"],
        reservation_id=row["reservation_id"],
        type=row["type"],
        created=row["created"],
        actor=row["actor"],
        status=Status(row["status"]),
        previous=json.loads(row["previous_json"] or "{}"),
        data=json.loads(row["data_json"] or "{}"),
    )


def event_to_row(e: Event) -> dict[str, Any]:
    return {
        "id": e.id,
        "reservation_id": e.reservation_id,
        "type": e.type,
        "created": e.created,
        "actor": e.actor,
        "status": e.status.value,
        "previous_json": _canonical(e.previous),
        "data_json": _canonical(e.data),
    }


def pricing_from_row(row: Mapping[str, Any]) -> Pricing:
    return Pricing(
        currency=row["currency"],
        reservation_fee=row["reservation_fee"],
        late_cancellation_fee=row["late_cancellation_fee"],
        no_show_fee=row["no_show_fee"],
        grace_period_seconds=row["grace_period_seconds"],
        free_cancellation_seconds=row["free_cancellation_seconds"],
    )


def evse_from_row(row: Mapping[str, Any]) -> Evse:
    return Evse(
        id=row["id"],
        station_id=row["station_id"],
        connector_types=_connectors(row["connector_types"]),
        power_kw=row["power_kw"],
        status=EvseStatus(row["status"]),
    )


def station_from_row(row: Mapping[str, Any], evses: tuple[Evse, ...] = ()) -> Station:
    return Station(
        id=row["id"],
        name=row["name"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        address=row["address"],
        pricing=pricing_from_row(row),
        evses=evses,
    )


def station_to_row(s: Station, created: int) -> dict[str, Any]:
    p = s.pricing
    return {
        "id": s.id,
        "name": s.name,
        "latitude": s.latitude,
        "longitude": s.longitude,
        "address": s.address,
        "currency": p.currency,
        "reservation_fee": p.reservation_fee,
        "late_cancellation_fee": p.late_cancellation_fee,
        "no_show_fee": p.no_show_fee,
        "grace_period_seconds": p.grace_period_seconds,
        "free_cancellation_seconds": p.free_cancellation_seconds,
        "created": created,
    }


def evse_to_row(e: Evse) -> dict[str, Any]:
    return {
        "id": e.id,
        "station_id": e.station_id,
        "connector_types": connectors_text(e.connector_types),
        "power_kw": e.power_kw,
        "status": e.status.value,
    }
