"""Rows <-> immutable domain objects. Everything above the store sees only the domain objects."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from charge_tui.domain.enums import ConnectorType, EvseStatus, FailureReason, Status
from charge_tui.domain.model import (
    CancellationPolicy,
    Event,
    Evse,
    Pricing,
    Reservation,
    ServiceArea,
    Station,
)


def _connectors(text: str) -> tuple[ConnectorType, ...]:
    return tuple(ConnectorType(c) for c in text.split(",") if c)


def connectors_text(types: tuple[ConnectorType, ...] | list[ConnectorType]) -> str:
    return ",".join(c.value for c in types)


def reservation_from_row(row: Mapping[str, Any]) -> Reservation:
    fr = row["failure_reason"]
    return Reservation(
        id=row["id"],
        created=row["created"],
        updated=row["updated"],
        status=Status(row["status"]),
        driver=row["driver"],
        vehicle=row["vehicle"],
        connector_types=_connectors(row["connector_types"]),
        preferred_start_time=row["preferred_start_time"],
        preferred_end_time=row["preferred_end_time"],
        earliest_start_time=row["earliest_start_time"],
        latest_end_time=row["latest_end_time"],
        service_area=ServiceArea(
            row["area_latitude"], row["area_longitude"], row["area_radius_meters"]
        ),
        metadata=json.loads(row["metadata_json"] or "{}"),
        payment_method=row["payment_method"],
        reservation_fee=row["reservation_fee"],
        currency=row["currency"],
        cancellation_policy=CancellationPolicy(
            free_cancellation_until=row["free_cancellation_until"],
            late_cancellation_fee=row["late_cancellation_fee"],
            no_show_fee=row["no_show_fee"],
            grace_period_seconds=row["grace_period_seconds"],
        ),
        charging_station=row["charging_station"],
        evse=row["evse"],
        confirmed_at=row["confirmed_at"],
        scheduled_start_time=row["scheduled_start_time"],
        scheduled_end_time=row["scheduled_end_time"],
        failure_reason=FailureReason(fr) if fr else None,
        version=row["version"],
        fees_charged=row["fees_charged"],
        next_check_at=row["next_check_at"],
    )


def reservation_to_row(r: Reservation) -> dict[str, Any]:
    return {
        "id": r.id,
        "created": r.created,
        "updated": r.updated,
        "status": r.status.value,
        "driver": r.driver,
        "vehicle": r.vehicle,
        "connector_types": connectors_text(r.connector_types),
        "preferred_start_time": r.preferred_start_time,
        "preferred_end_time": r.preferred_end_time,
        "earliest_start_time": r.earliest_start_time,
        "latest_end_time": r.latest_end_time,
        "area_latitude": r.service_area.latitude,
        "area_longitude": r.service_area.longitude,
        "area_radius_meters": r.service_area.radius_meters,
        "metadata_json": json.dumps(dict(r.metadata), sort_keys=True, separators=(",", ":")),
        "payment_method": r.payment_method,
        "reservation_fee": r.reservation_fee,
        "currency": r.currency,
        "free_cancellation_until": r.cancellation_policy.free_cancellation_until,
        "late_cancellation_fee": r.cancellation_policy.late_cancellation_fee,
        "no_show_fee": r.cancellation_policy.no_show_fee,
        "grace_period_seconds": r.cancellation_policy.grace_period_seconds,
        "charging_station": r.charging_station,
        "evse": r.evse,
        "confirmed_at": r.confirmed_at,
        "scheduled_start_time": r.scheduled_start_time,
        "scheduled_end_time": r.scheduled_end_time,
        "failure_reason": r.failure_reason.value if r.failure_reason else None,
        "version": r.version,
        "fees_charged": r.fees_charged,
        "next_check_at": r.next_check_at,
    }


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
        "previous_json": json.dumps(e.previous, sort_keys=True, separators=(",", ":")),
        "data_json": json.dumps(e.data, sort_keys=True, separators=(",", ":")),
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
