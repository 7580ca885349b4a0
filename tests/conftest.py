"""Shared fixtures: a real SQLite store in a temp dir, a frozen clock, a seeded network."""

from __future__ import annotations

import random

import pytest

from charge_tui.domain.clock import FrozenClock
from charge_tui.domain.ids import IdFactory
from charge_tui.engine.network import generate_network
from charge_tui.service import ReservationService
from charge_tui.store.db import Database

from tests.factories import CENTER, NOW


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'charge.db'}")
    yield database
    database.dispose()


@pytest.fixture
def clock():
    return FrozenClock(NOW)


@pytest.fixture
def service(db, clock):
    return ReservationService(db, clock=clock, ids=IdFactory(random.Random(7)))


@pytest.fixture
def network(service):
    return service.add_stations(generate_network(12, seed=3, center=CENTER, radius_km=4))

