"""The API shape of SPEC §2: the JSON object every reservation is shown and exported as."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from charge_tui.domain.codec import RESERVATION
from charge_tui.domain.model import Event, Reservation, Station

#: Field order of the API object, as in SPEC §2.
API_FIELDS: tuple[str, ...] = RESERVATION.api_fields

#: The reservation as its API object (derived from the codec's table).
reservation_to_api: Callable[[Reservation], dict[str, Any]] = RESERVATION.api


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
