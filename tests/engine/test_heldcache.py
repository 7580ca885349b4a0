"""The engine's cache of held slots (engine/heldcache.py): it answers as the store does, and it is
dropped whenever something it did not see may have changed the store."""

from __future__ import annotations

import gc
import random

import pytest

from charge_tui.domain.clock import SimulatedClock
from charge_tui.domain.enums import ConnectorType as C
from charge_tui.domain.enums import Status
from charge_tui.domain.ids import IdFactory
from charge_tui.engine.confirmation import ConfirmationEngine
from charge_tui.engine.heldcache import HeldCache
from charge_tui.engine.runsettings import GC_YOUNG_THRESHOLD, fewer_gc_passes
from charge_tui.engine.simulator import _RESTORE, Simulator
from charge_tui.service import ReservationService
from charge_tui.store.audit import check_invariants
from charge_tui.store.db import Database
from tests.engine.conftest import HOUR, T0, params, station
from tests.engine.test_simulator import runs_alike, small


def _service(db: Database, clock: SimulatedClock, seed: int = 11) -> ReservationService:
    return ReservationService(db, clock=clock, ids=IdFactory(random.Random(seed)))


def _store(tmp_path):
    url = f"sqlite:///{tmp_path / 'cache.db'}"
    db = Database(url)
    clock = SimulatedClock(T0)
    svc = _service(db, clock)
    svc.add_stations([station("sta_one", [("evse_one", (C.CCS1,))])])
    return url, db, clock, svc


def _engine_has_cached(engine: ConfirmationEngine, evse: str) -> None:
    # The precondition of the tests below: the engine answers from its cache for this EVSE.
    assert evse in engine.held_cache._entries


def _book_then_contend(svc, other, engine, clock):
    """The engine confirms A (10:20-11:20) and caches the EVSE's slots; then ``other`` (another
    writer, and the only write before the next tick) books B at 11:20-12:20. C (created before,
    due at the second tick) prefers 11:20-12:20 and may end by 13:20: it must get 12:20."""
    a = svc.create(params(T0 + 20 * 60, 60))
    c = svc.create(params(T0 + 80 * 60, 60, after=HOUR, driver="drv_c"))  # due at 10:50
    b = other.create(params(T0 + 80 * 60, 60, driver="drv_b"))  # due at 10:50 too
    assert engine.tick().confirmed == 1  # A
    _engine_has_cached(engine, "evse_one")
    other.confirm(b.id, evse_id="evse_one", start=T0 + 80 * 60)  # a dispatcher, before 10:50
    clock.advance_to(T0 + 50 * 60)
    assert engine.tick().confirmed == 1
    got = svc.retrieve(c.id)
    assert got.status is Status.CONFIRMED
    assert got.scheduled_start_time == T0 + 140 * 60  # after A and B
    assert svc.retrieve(a.id).scheduled_start_time == T0 + 20 * 60
    assert check_invariants(svc.db) == []


def test_a_booking_by_another_connection_between_ticks_is_seen(tmp_path):
    url, db, clock, svc = _store(tmp_path)
    engine = ConfirmationEngine(svc)
    other = _service(Database(url), clock, seed=12)  # another process, as far as SQLite knows
    _book_then_contend(svc, other, engine, clock)


def test_a_booking_through_the_same_database_object_is_seen(tmp_path):
    # Same Database, so most likely the same pooled sqlite3 connection: its data_version does not
    # move for its own commits; the Database's commit counter does.
    _url, db, clock, svc = _store(tmp_path)
    engine = ConfirmationEngine(svc)
    other = _service(db, clock, seed=12)
    _book_then_contend(svc, other, engine, clock)


def test_slots_taken_and_freed_by_the_engines_own_commits_are_seen(tmp_path):
    _url, db, clock, svc = _store(tmp_path)
    engine = ConfirmationEngine(svc)
    a = svc.create(params(T0 + 20 * 60, 60))  # due now
    # Due only at 10:05 (earliest 10:35 minus the 30 min lead), both made before the first tick
    # so that nothing but the engine writes between its ticks.
    c = svc.create(params(T0 + 35 * 60, 60, after=HOUR, driver="drv_c"))
    assert engine.tick().confirmed == 1  # A on 10:20-11:20, added to the cache at commit
    _engine_has_cached(engine, "evse_one")
    clock.advance_to(T0 + 5 * 60)
    assert engine.tick().confirmed == 1
    assert svc.retrieve(c.id).scheduled_start_time == T0 + 80 * 60  # after A, not over it
    assert svc.retrieve(a.id).scheduled_start_time == T0 + 20 * 60
    assert check_invariants(db) == []


def test_a_rolled_back_transaction_leaves_nothing_in_the_cache(tmp_path):
    _url, db, clock, svc = _store(tmp_path)
    engine = ConfirmationEngine(svc)
    x = svc.create(params(T0 + 20 * 60, 60))
    assert engine.tick().confirmed == 1  # X on 10:20-11:20
    y = svc.create(params(T0 + 20 * 60, 60, driver="drv_y"))  # the same slot, no slack
    assert engine.tick().retried == 1  # Y waits for a retry at 10:05
    clock.advance_to(T0 + 5 * 60)
    with pytest.raises(RuntimeError), svc.transaction() as uow:
        uow.cancel(x.id, actor="driver")
        assert engine.run(uow).confirmed == 1  # Y takes X's slot, then all is rolled back
        assert uow.get(y.id).scheduled_start_time == T0 + 20 * 60
        _engine_has_cached(engine, "evse_one")
        raise RuntimeError("abandon the tick")
    assert svc.retrieve(x.id).status is Status.CONFIRMED
    # Next tick, with no write in between: X (not due, so not read again) still holds its slot.
    clock.advance_to(T0 + 10 * 60)
    result = engine.tick()
    assert (result.confirmed, result.retried) == (0, 1)
    assert svc.retrieve(y.id).status is Status.PENDING
    assert check_invariants(db) == []


def test_the_simulator_runs_the_same_with_and_without_the_cache(tmp_path, monkeypatch):
    def without(sim: Simulator) -> None:
        monkeypatch.setattr(HeldCache, "begin", lambda self, uow: False)

    config = small(fault_rate=2.0, rate=120, hours=8, tick_seconds=300)
    sims = runs_alike(tmp_path, config, [("with", lambda sim: None), ("without", without)])
    assert sims[0].engine.held_cache.hits > 0 and sims[1].engine.held_cache.hits == 0


def test_an_evse_faulted_in_a_tick_is_not_faulted_again_in_that_tick(tmp_path):
    # Faults far more frequent than EVSEs: every tick would pick some EVSE twice if the EVSEs
    # faulted earlier in the same tick could be drawn again.
    config = small(stations=2, fault_rate=2000.0, repair_hours=0.5, hours=1, tick_seconds=300)
    sim = Simulator.for_database(Database(f"sqlite:///{tmp_path / 'f.db'}"), config)
    sim.setup()
    sim.step(sim.clock.now() + 300)
    restores = [key for _at, kind, _s, key, _e in sim._heap if kind == _RESTORE]
    assert restores  # faults happened
    assert len(restores) == len(set(restores))
    assert set(restores) == sim._down


def test_fewer_gc_passes_raises_the_young_threshold_and_restores_it():
    before = gc.get_threshold()
    with fewer_gc_passes():
        assert gc.get_threshold()[0] == max(before[0], GC_YOUNG_THRESHOLD)
        assert gc.get_threshold()[1:] == before[1:]
    assert gc.get_threshold() == before
