"""Immutable views of the domain objects. Screens, the CLI and the engine get these, never ORM rows."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

from charge_tui.domain.enums import ConnectorType, EvseStatus, FailureReason, Status


@dataclass(frozen=True, slots=True)
class ServiceArea:
    latitude: float
    longitude: float
    radius_meters: int


@dataclass(frozen=True, slots=True)
class CancellationPolicy:
    free_cancellation_until: int
    late_cancellation_fee: int
    no_show_fee: int
    grace_period_seconds: int


@dataclass(frozen=True, slots=True)
class Pricing:
    """A station's reservation terms (SPEC §4 defaults)."""

    currency: str = "usd"
    reservation_fee: int = 300
    late_cancellation_fee: int = 300
    no_show_fee: int = 200
    grace_period_seconds: int = 20 * 60
    free_cancellation_seconds: int = 24 * 3600


DEFAULT_PRICING = Pricing()


@dataclass(frozen=True, slots=True)
class Reservation:
    id: str
    created: int
    updated: int
    status: Status
    driver: str
    vehicle: str
    connector_types: tuple[ConnectorType, ...]
    preferred_start_time: int
    preferred_end_time: int
    earliest_start_time: int
    latest_end_time: int
    service_area: ServiceArea
    metadata: MappingProxyType[str, str] | dict[str, str]
    payment_method: str | None
    reservation_fee: int
    currency: str
    cancellation_policy: CancellationPolicy
    charging_station: str | None = None
    evse: str | None = None
    confirmed_at: int | None = None
    scheduled_start_time: int | None = None
    scheduled_end_time: int | None = None
    failure_reason: FailureReason | None = None
    # Internal bookkeeping, not part of the API object.
    version: int = 1
    fees_charged: int = 0
    next_check_at: int | None = None

    @property
    def duration(self) -> int:
        return self.preferred_end_time - self.preferred_start_time


_RESERVATION_FIELDS = tuple(f.name for f in fields(Reservation))
_reservation_values = operator.attrgetter(*_RESERVATION_FIELDS)
_new = object.__new__
_set = object.__setattr__


def evolve(r: Reservation, changes: dict[str, Any]) -> Reservation:
    """``dataclasses.replace(r, **changes)`` for a reservation, about twice as fast (the state
    machine makes one per transition): the same fields are copied, with no ``__init__`` to run
    (it only assigns them). ``changes`` must name fields of :class:`Reservation`."""
    out = _new(Reservation)
    for name, value in zip(_RESERVATION_FIELDS, _reservation_values(r), strict=True):
        _set(out, name, value)
    for name, value in changes.items():
        _set(out, name, value)
    return out


@dataclass(frozen=True, slots=True)
class Evse:
    id: str
    station_id: str
    connector_types: tuple[ConnectorType, ...]
    power_kw: float
    status: EvseStatus = EvseStatus.AVAILABLE


@dataclass(frozen=True, slots=True)
class Station:
    id: str
    name: str
    latitude: float
    longitude: float
    address: str
    pricing: Pricing = DEFAULT_PRICING
    evses: tuple[Evse, ...] = ()


@dataclass(frozen=True, slots=True)
class Event:
    id: str
    reservation_id: str
    type: str
    created: int
    actor: str
    status: Status
    previous: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
