"""Shared fixtures: a real SQLite store in a temp dir, a frozen clock, a seeded network."""

from __future__ import annotations

import random

import pytest

from charge_tui.domain.clock import FrozenClock
from charge_tui.domain.ids import IdFactory
from charge_tui.engine.network import generate_network
from charge_tui.service import ReservationService
from charge_tui.store.db import Database
from tests.backends import PgServer
from tests.factories import CENTER, NOW


@pytest.fixture(scope="session")
def pg_server():
    server = PgServer()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty store URL on each back end (see ``tests/backends.py``)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'charge.db'}"
        return
    server = request.getfixturevalue("pg_server")
    if server.url is None:
        pytest.skip(server.why_not)
    url, schema = server.schema_url()
    yield url
    server.drop(schema)


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'charge.db'}"


@pytest.fixture
def db(sqlite_url):
    """A SQLite store. Directories whose tests run on both back ends override this with
    ``both_backends_db`` (see tests/service/conftest.py)."""
    database = Database(sqlite_url)
    yield database
    database.dispose()


def both_backends_db(db_url):
    database = Database(db_url)
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
