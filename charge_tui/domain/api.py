"""The API shape of SPEC §2: the JSON object every reservation is shown and exported as."""

from __future__ import annotations

from typing import Any

from charge_tui.domain.model import Event, Reservation, Station

#: Field order of the API object, as in SPEC §2.
API_FIELDS = (
    "id",
    "object",
    "created",
    "updated",
    "status",
    "driver",
    "vehicle",
    "connector_types",
    "preferred_start_time",
    "preferred_end_time",
    "earliest_start_time",
    "latest_end_time",
    "service_area",
    "metadata",
    "payment_method",
    "reservation_fee",
    "currency",
    "cancellation_policy",
    "charging_station",
    "evse",
    "confirmed_at",
    "scheduled_start_time",
    "scheduled_end_time",
    "failure_reason",
)


def reservation_to_api(r: Reservation) -> dict[str, Any]:
    return {
        "id": r.id,
        "object": "reservation",
        "created": r.created,
        "updated": r.updated,
        "status": r.status.value,
        "driver": r.driver,
        "vehicle": r.vehicle,
        "connector_types": [c.value for c in r.connector_types],
        "preferred_start_time": r.preferred_start_time,
        "preferred_end_time": r.preferred_end_time,
        "earliest_start_time": r.earliest_start_time,
        "latest_end_time": r.latest_end_time,
        "service_area": {
            "latitude": r.service_area.latitude,
            "longitude": r.service_area.longitude,
            "radius_meters": r.service_area.radius_meters,
        },
        "metadata": dict(r.metadata),
        "payment_method": r.payment_method,
        "reservation_fee": r.reservation_fee,
        "currency": r.currency,
        "cancellation_policy": {
            "free_cancellation_until": r.cancellation_policy.free_cancellation_until,
            "late_cancellation_fee": r.cancellation_policy.late_cancellation_fee,
            "no_show_fee": r.cancellation_policy.no_show_fee,
            "grace_period_seconds": r.cancellation_policy.grace_period_seconds,
        },
        "charging_station": r.charging_station,
        "evse": r.evse,
        "confirmed_at": r.confirmed_at,
        "scheduled_start_time": r.scheduled_start_time,
        "scheduled_end_time": r.scheduled_end_time,
        "failure_reason": r.failure_reason.value if r.failure_reason else None,
    }


def event_to_api(e: Event) -> dict[str, Any]:
    return {
        "id": e.id,
        "object": "event",
        "type": e.type,
        "created": e.created,
        "actor": e.actor,
        "reservation": e.reservation_id,
        "status": e.status.value,
        "previous_attributes": e.previous,
        "data": e.data,
    }


def station_to_api(s: Station) -> dict[str, Any]:
    return {
        "id": s.id,
        "object": "station",
        "name": s.name,
        "latitude": s.latitude,
        "longitude": s.longitude,
        "address": s.address,
        "currency": s.pricing.currency,
        "pricing": {
            "reservation_fee": s.pricing.reservation_fee,
            "late_cancellation_fee": s.pricing.late_cancellation_fee,
            "no_show_fee": s.pricing.no_show_fee,
            "grace_period_seconds": s.pricing.grace_period_seconds,
            "free_cancellation_seconds": s.pricing.free_cancellation_seconds,
        },
        "evses": [
            {
                "id": e.id,
                "connector_types": [c.value for c in e.connector_types],
                "power_kw": e.power_kw,
                "status": e.status.value,
            }
            for e in s.evses
        ],
    }


def list_object(data: list[dict[str, Any]], has_more: bool, url: str) -> dict[str, Any]:
    return {"object": "list", "url": url, "has_more": has_more, "data": data}


def api_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Previous values of the fields that changed (``updated`` excluded), for event logs."""
    return {k: before[k] for k in API_FIELDS if k != "updated" and before.get(k) != after.get(k)}
