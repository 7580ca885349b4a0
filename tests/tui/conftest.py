"""Fixtures for the console tests: a real SQLite store built through the service (the sample
store of ``tests.sample_store``: seeded network, reservations moved through their transitions
on a frozen clock), local time pinned to UTC, and helpers to let workers finish."""

from __future__ import annotations

import os
import random
import time

import pytest
from textual.worker import WorkerCancelled

from charge_tui.domain.clock import FrozenClock
from charge_tui.domain.ids import IdFactory
from charge_tui.service import ReservationService
from charge_tui.store.db import Database
from charge_tui.tui.app import ChargeApp
from tests.sample_store import SAMPLE_NOW, build_sample_store

SIZE = (120, 36)


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    """Local time is UTC in these tests (the console shows local times)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "charge.db"


@pytest.fixture
def sample(db_path):
    """A service on the sample store, its clock frozen at SAMPLE_NOW."""
    db = Database(f"sqlite:///{db_path}")
    svc = build_sample_store(db)
    yield svc
    db.dispose()


@pytest.fixture
def empty(db_path):
    db = Database(f"sqlite:///{db_path}")
    yield ReservationService(db, clock=FrozenClock(SAMPLE_NOW), ids=IdFactory(random.Random(3)))
    db.dispose()


def make_app(service: ReservationService, poll: float = 3600.0) -> ChargeApp:
    """The console on ``service``; the store watcher is off unless ``poll`` is given."""
    return ChargeApp(service, poll_interval=poll)


async def settle(pilot, rounds: int = 3) -> None:
    """Let messages flow and workers finish (no sleeping)."""
    for _ in range(rounds):
        await pilot.pause()
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:  # replaced by a newer worker of its group: wait for that one
            await pilot.pause()
            await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def other_service(db_path, now: int = SAMPLE_NOW) -> ReservationService:
    """Another dispatcher: a second Database and service on the same file."""
    return ReservationService(
        Database(f"sqlite:///{db_path}"), clock=FrozenClock(now), ids=IdFactory(random.Random(99))
    )


def env_for_cli(db_path) -> dict[str, str]:
    env = dict(os.environ)
    env["CHARGE_TUI_DB"] = str(db_path)
    env["CHARGE_TUI_NOW"] = str(SAMPLE_NOW)
    return env
