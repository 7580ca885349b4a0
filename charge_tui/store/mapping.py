"""Rows <-> immutable domain objects for events, stations and EVSEs (a reservation's forms all
come from its codec, ``domain/codec.py``). Everything above the store sees only domain objects."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from charge_tui.domain.codec import canonical_json, connectors_text, parse_connectors
from charge_tui.domain.enums import EvseStatus, Status
from charge_tui.domain.model import Event, Evse, Pricing, Station


def event_values(e: Event) -> tuple[Any, ...]:
    """:func:`event_to_row` as a tuple in :data:`EVENT_COLUMNS` order."""
    return (
        e.id,
        e.reservation_id,
        e.type,
        e.created,
        e.actor,
        e.status.value,
        canonical_json(e.previous) if e.previous else "{}",
        canonical_json(e.data) if e.data else "{}",
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
        "previous_json": canonical_json(e.previous),
        "data_json": canonical_json(e.data),
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
        connector_types=parse_connectors(row["connector_types"]),
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
