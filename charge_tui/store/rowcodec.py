"""Reservation rows -> domain objects, with nothing but the domain imported.

Kept apart from ``mapping.py`` (which derives the column list from the SQLModel tables) so that
the console's first screen can decode rows read with the standard library's ``sqlite3`` before
SQLAlchemy is imported (see ``store/firstread.py``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

from charge_tui.domain.enums import ConnectorType, FailureReason, Status
from charge_tui.domain.model import CancellationPolicy, Reservation, ServiceArea


@functools.lru_cache(maxsize=512)
def _connectors(text: str) -> tuple[ConnectorType, ...]:
    return tuple(ConnectorType(c) for c in text.split(",") if c)


_STATUS = {s.value: s for s in Status}
_FAILURE = {f.value: f for f in FailureReason}


def connectors_text(types: tuple[ConnectorType, ...] | list[ConnectorType]) -> str:
    return ",".join(c.value for c in types)


def reservation_from_row(row: Mapping[str, Any]) -> Reservation:
    fr = row["failure_reason"]
    meta = row["metadata_json"]
    return Reservation(
        id=row["id"],
        created=row["created"],
        updated=row["updated"],
        status=_STATUS[row["status"]],
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
        metadata=json.loads(meta) if meta and meta != "{}" else {},
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
        failure_reason=_FAILURE[fr] if fr else None,
        version=row["version"],
        fees_charged=row["fees_charged"],
        next_check_at=row["next_check_at"],
    )
