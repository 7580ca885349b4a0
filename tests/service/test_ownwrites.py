"""The reservations a process keeps between its transactions (service/ownwrites.py): read instead
of the store only while the store is exactly what the process's last commit left."""

from __future__ import annotations

import random

import pytest

from charge_tui.domain.clock import SimulatedClock
from charge_tui.domain.enums import Status
from charge_tui.domain.ids import IdFactory
from charge_tui.engine.simulator import Simulator
from charge_tui.service import ReservationService
from charge_tui.service.ownwrites import ReservationCache
from charge_tui.store.db import Database
from tests.engine.conftest import T0, params
from tests.engine.test_simulator import runs_alike, small


def _cached_service(db: Database, limit: int = 1000) -> ReservationService:
    svc = ReservationService(db, clock=SimulatedClock(T0), ids=IdFactory(random.Random(4)))
    svc.reservation_cache = ReservationCache(db, limit=limit)
    return svc


def _read(svc: ReservationService, rid: str) -> tuple[Status, int]:
    """The reservation as a write transaction of ``svc`` sees it, and whether it came from the
    cache (1) or the store (0)."""
    with svc.transaction() as uow:
        r = uow.get(rid)
        return r.status, uow.known_hits


def test_a_reservation_made_in_one_transaction_is_served_in_the_next(tmp_path):
    svc = _cached_service(Database(f"sqlite:///{tmp_path / 's.db'}"))
    with svc.transaction() as uow:
        rid = uow.create(params(T0 + 7200)).id
    assert _read(svc, rid) == (Status.PENDING, 1)
    assert svc.reservation_cache.hits == 1


@pytest.mark.parametrize("same_database", [False, True])
def test_a_change_by_another_writer_is_seen(tmp_path, same_database):
    # Another connection (another process, as far as SQLite knows: data_version moves), or
    # another service on the same Database object (its commit counter moves).
    db = Database(f"sqlite:///{tmp_path / 's.db'}")
    svc = _cached_service(db)
    rid = svc.create(params(T0 + 7200)).id
    assert _read(svc, rid) == (Status.PENDING, 1)
    other_db = db if same_database else Database(f"sqlite:///{tmp_path / 's.db'}")
    other = ReservationService(other_db, clock=SimulatedClock(T0))
    other.cancel(rid)
    assert _read(svc, rid) == (Status.CANCELLED, 0)  # from the store, not the stale copy


def test_a_rolled_back_transaction_teaches_the_cache_nothing(tmp_path):
    svc = _cached_service(Database(f"sqlite:///{tmp_path / 's.db'}"))
    rid = svc.create(params(T0 + 7200)).id
    with pytest.raises(RuntimeError), svc.transaction() as uow:
        assert uow.cancel(rid).status is Status.CANCELLED
        raise RuntimeError("abandon")
    assert _read(svc, rid) == (Status.PENDING, 0)
    assert _read(svc, rid) == (Status.PENDING, 1)


def test_only_live_reservations_are_kept_and_at_most_the_limit(tmp_path):
    svc = _cached_service(Database(f"sqlite:///{tmp_path / 's.db'}"), limit=4)
    made = [svc.create(params(T0 + 7200, driver=f"drv_{k}")).id for k in range(9)]
    rows = svc.reservation_cache.rows
    assert len(rows) <= 4 and made[-1] in rows  # the oldest are dropped first
    svc.cancel(made[-1])
    assert made[-1] not in rows  # terminal: it cannot change any more
    assert _read(svc, made[0]) == (Status.PENDING, 0)  # dropped: read from the store


def test_the_simulator_runs_the_same_with_and_without_it(tmp_path, monkeypatch):
    def without(sim: Simulator) -> None:
        monkeypatch.setattr(ReservationCache, "begin", lambda self, uow: False)

    config = small(fault_rate=2.0, rate=120, hours=8, tick_seconds=300)
    sims = runs_alike(tmp_path, config, [("with", lambda sim: None), ("without", without)])
    hits = [sim.service.reservation_cache.hits for sim in sims]
    assert hits[0] > 500 and hits[1] == 0
