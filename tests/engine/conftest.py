"""Fixtures of the engine tests: a real SQLite store, a clock the test moves, small networks."""

from __future__ import annotations

import random

import pytest

from charge_tui.domain.clock import SimulatedClock
from charge_tui.domain.enums import ConnectorType as C
from charge_tui.domain.ids import IdFactory
from charge_tui.domain.model import Evse, Station
from charge_tui.domain.payments import TestModeAuthorizer
from charge_tui.service import ReservationService
from tests.conftest import both_backends_db

T0 = 1_795_000_000 // 3600 * 3600  # a whole hour, for readable slots
LAT, LON = 37.7749, -122.4194
HOUR = 3600


def station(sid: str, evses: list[tuple[str, tuple[C, ...]]], dlat: float = 0.0) -> Station:
    return Station(
        id=sid,
        name=f"Station {sid}",
        latitude=LAT + dlat,
        longitude=LON,
        address="1 Test St",
        evses=tuple(
            Evse(id=eid, station_id=sid, connector_types=types, power_kw=150.0)
            for eid, types in evses
        ),
    )


def params(
    start: int,
    minutes: int = 60,
    *,
    types: tuple[str, ...] = ("ccs1",),
    before: int = 0,
    after: int = 0,
    radius: int = 2000,
    pm: str = "pm_card_visa",
    driver: str = "drv_test",
) -> dict:
    """Create parameters: a slot at ``start`` of ``minutes``, with window slack before/after."""
    end = start + minutes * 60
    return {
        "connector_types": list(types),
        "driver": driver,
        "vehicle": "veh_test",
        "preferred_start_time": start,
        "preferred_end_time": end,
        "earliest_start_time": start - before,
        "latest_end_time": end + after,
        "service_area": {"latitude": LAT, "longitude": LON, "radius_meters": radius},
        "payment_method": pm,
    }


# The engine tests that take ``db`` run on SQLite and on PostgreSQL (tests/backends.py).
db = pytest.fixture(both_backends_db, name="db")


@pytest.fixture
def clock():
    return SimulatedClock(T0)


@pytest.fixture
def service(db, clock):
    return ReservationService(
        db, clock=clock, ids=IdFactory(random.Random(11)), authorizer=TestModeAuthorizer()
    )
