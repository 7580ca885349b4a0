"""The simulator on real SQLite stores: determinism, invariants after every tick, outcomes, API."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from charge_tui.domain.clock import SimulatedClock
from charge_tui.domain.enums import Status
from charge_tui.engine.network import generate_network
from charge_tui.engine.simulator import SimConfig, Simulator, simulation_service
from charge_tui.service import ReservationService
from charge_tui.store import queries
from charge_tui.store.audit import check_invariants
from charge_tui.store.db import Database
from tests.engine.conftest import T0

START = T0 // 86400 * 86400


def event_log(db: Database) -> list[tuple]:
    with db.read() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT id, reservation_id, type, created, actor, status, previous_json, "
                    "data_json FROM reservation_events ORDER BY seq"
                )
            )
        ]


def reservations(db: Database) -> list[tuple]:
    with db.read() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT * FROM reservations ORDER BY id"))]


def small(**kw) -> SimConfig:
    base = {"seed": 3, "stations": 8, "hours": 6, "rate": 40, "start": START}
    base.update(kw)
    return SimConfig(**base)


def run_to_end(db: Database, config: SimConfig) -> Simulator:
    sim = Simulator.for_database(db, config)
    sim.run()
    return sim


def runs_alike(tmp_path, config: SimConfig, variants) -> list[Simulator]:
    """Play ``config`` once per ``(name, prepare)`` of ``variants``, each on a fresh store
    (``prepare(sim)`` just before the run: switch something off); assert that every store passes
    the audit and that all have the same event log and reservations. Returns the simulators."""
    sims, logs, rows = [], [], []
    for name, prepare in variants:
        db = Database(f"sqlite:///{tmp_path / name}.db")
        sim = Simulator.for_database(db, config)
        prepare(sim)
        sim.run()
        assert check_invariants(db) == []
        sims.append(sim)
        logs.append(event_log(db))
        rows.append(reservations(db))
    assert len(logs[0]) > 1000
    assert all(log == logs[0] for log in logs) and all(r == rows[0] for r in rows)
    return sims


def test_same_seed_same_event_log(tmp_path):
    logs, rows, kpis = [], [], []
    for name in ("a", "b"):
        db = Database(f"sqlite:///{tmp_path / name}.db")
        sim = run_to_end(db, small(fault_rate=0.5))
        logs.append(event_log(db))
        rows.append(reservations(db))
        k = sim.kpis()
        for volatile in ("wall_seconds", "transitions_per_second"):
            k.pop(volatile)
        kpis.append(k)
        db.dispose()
    assert len(logs[0]) > 200
    assert logs[0] == logs[1]
    assert rows[0] == rows[1]
    assert kpis[0] == kpis[1]


def test_another_seed_another_world(tmp_path):
    logs = []
    for seed in (1, 2):
        db = Database(f"sqlite:///{tmp_path / str(seed)}.db")
        run_to_end(db, small(seed=seed, hours=2))
        logs.append(event_log(db))
        db.dispose()
    assert logs[0] != logs[1]


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    seed=st.integers(0, 10_000),
    rate=st.sampled_from([20.0, 60.0, 150.0]),
    decline=st.sampled_from([0.0, 0.1]),
    cancel=st.sampled_from([0.0, 0.3]),
    no_show=st.sampled_from([0.0, 0.3]),
    faults=st.sampled_from([0.0, 2.0]),
    slack=st.sampled_from([0.0, 120.0]),
)
def test_invariants_hold_after_every_tick(
    tmp_path_factory, seed, rate, decline, cancel, no_show, faults, slack
):
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('inv') / 'sim.db'}")
    config = SimConfig(
        seed=seed,
        stations=4,
        hours=3,
        rate=rate,
        start=START + 7 * 3600,
        tick_seconds=300,
        decline_rate=decline,
        cancel_rate=cancel,
        no_show_rate=no_show,
        fault_rate=faults,
        repair_hours=0.5,
        max_slack_minutes=slack,
        lead_mix=(0.8, 0.2, 0.0),
        lead_minutes_median=30,
        lead_hours_median=1.5,
    )
    sim = Simulator.for_database(db, config)
    sim.setup()
    while not sim.finished:
        sim.step(sim.clock.now() + config.tick_seconds)
        assert check_invariants(db) == [], f"after the tick ending {sim.clock.now()}"
    k = sim.kpis()
    assert sum(k["reservations"]["by_status"].values()) == k["reservations"]["created"]
    db.dispose()


def test_a_default_ish_day_shows_every_outcome(tmp_path):
    """Every failure reason and every terminal status occurs, and the KPIs agree with the store."""
    db = Database(f"sqlite:///{tmp_path / 'day.db'}")
    # Faults often enough that some confirmed reservation finds no other slot (failed: other).
    config = SimConfig(seed=7, stations=20, hours=24, rate=50, start=START, fault_rate=1.0)
    sim = run_to_end(db, config)
    k = sim.kpis()
    assert k["finished"] and not k["interrupted"]
    assert all(n > 0 for n in k["failure_reasons"].values()), k["failure_reasons"]
    by = k["reservations"]["by_status"]
    for status in ("completed", "cancelled", "failed", "expired", "confirmed", "pending"):
        assert by[status] > 0, (status, by)
    assert k["no_shows"] > 0 and k["reassigned"] > 0 and k["station_faults"] > 0
    assert 0.5 < k["acceptance_rate"] < 1 and 0 < k["utilisation"] < 1
    # The KPIs are the store's own numbers (fresh store: the run is all there is).
    with db.read() as conn:
        store = {s.value: n for s, n in queries.counts_by_status(conn).items()}
        fees = conn.execute(text("SELECT SUM(fees_charged) FROM reservations")).scalar()
        reasons = dict(
            conn.execute(
                text(
                    "SELECT failure_reason, COUNT(*) FROM reservations "
                    "WHERE status = 'failed' GROUP BY failure_reason"
                )
            ).all()
        )
        n_events = conn.execute(text("SELECT COUNT(*) FROM reservation_events")).scalar()
    assert store == by
    assert fees == k["fees_collected"]["amount"] == sum(k["fees_collected"]["by_kind"].values())
    assert reasons == k["failure_reasons"]
    assert n_events == k["events"]
    assert check_invariants(db) == []
    assert json.loads(json.dumps(k)) == k
    db.dispose()


def test_step_advances_to_the_time_asked_and_stops_at_the_end(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'step.db'}")
    sim = Simulator.for_database(db, small(hours=1))
    assert sim.clock.now() == START and not sim.finished
    s1 = sim.step(START + 150)  # two ticks of 60 s, then the clock goes on to 150
    assert (s1.ticks, sim.clock.now()) == (2, START + 150)
    s2 = sim.step(START + 10 * 3600)
    assert sim.clock.now() == START + 3600 and sim.finished
    assert s2.ticks == 58 and sim.stats.ticks == 60
    assert sim.step(START + 20 * 3600).ticks == 0
    assert sim.stats.created == s1.created + s2.created > 0
    db.dispose()


def test_request_stop_ends_after_the_current_tick(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'stop.db'}")
    sim = Simulator.for_database(db, small(hours=5))
    sim.step(START + 600)
    sim.request_stop()
    sim.run()
    assert sim.interrupted and not sim.finished and sim.clock.now() == START + 600
    assert sim.kpis()["interrupted"] is True
    db.dispose()


def test_uses_the_service_given_when_its_clock_is_simulated(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'svc.db'}")
    config = small(hours=1)
    service = simulation_service(db, config)
    sim = Simulator(service, config)
    assert sim.service is service and sim.clock is service.clock
    assert isinstance(sim.clock, SimulatedClock)
    # An ordinary service: the simulator makes its own on the same store.
    other = Simulator(ReservationService(db), config)
    assert other.service.db is db and isinstance(other.clock, SimulatedClock)
    assert other.clock.now() == START
    db.dispose()


def test_an_existing_network_is_used_as_it_is(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'net.db'}")
    service = ReservationService(db)
    service.add_stations(generate_network(5, seed=9))
    sim = Simulator.for_database(db, small(stations=30, hours=1))
    sim.run()
    assert sim.station_count == 5 and len(service.stations()) == 5
    assert sim.kpis()["reservations"]["created"] > 0
    db.dispose()


def test_summary_counts_follow_the_runs_own_reservations(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'mine.db'}")
    sim = run_to_end(db, small(hours=3, cancel_rate=0.5))
    k = sim.kpis()
    canc = k["cancellations"]
    assert (
        canc["before_confirmation"] + canc["after_confirmation"]
        == k["reservations"]["by_status"]["cancelled"]
    )
    assert k["expired_unconfirmed"] + k["no_shows"] == k["reservations"]["by_status"]["expired"]
    assert k["reservations"]["by_status"][Status.PENDING.value] >= 0
    db.dispose()


def test_a_failed_tick_writes_nothing_and_the_run_goes_on_identically(tmp_path, monkeypatch):
    from charge_tui.domain.errors import StoreUnavailable
    from charge_tui.store.db import ENV_BUSY_TIMEOUT

    reference = Database(f"sqlite:///{tmp_path / 'ref.db'}")
    run_to_end(reference, small(hours=2, fault_rate=1.0))
    expected = event_log(reference)
    reference.dispose()

    monkeypatch.setenv(ENV_BUSY_TIMEOUT, "100")
    db = Database(f"sqlite:///{tmp_path / 'locked.db'}")
    sim = Simulator.for_database(db, small(hours=2, fault_rate=1.0))
    sim.step(START + 3600)
    before = event_log(db)
    blocker = Database(f"sqlite:///{tmp_path / 'locked.db'}")
    with blocker.write():  # another process holds the write lock: the next tick cannot run
        try:
            sim.step(START + 3600 + 60)
        except StoreUnavailable as exc:
            assert "locked" in str(exc)
        else:  # pragma: no cover
            raise AssertionError("the tick should have failed")
    assert event_log(db) == before and sim.clock.now() == START + 3600 + 60
    sim.run()
    assert event_log(db) == expected
    assert check_invariants(db) == []
    blocker.dispose()
    db.dispose()


def test_making_requests_while_a_tick_commits_changes_nothing(tmp_path):
    """The next tick's requests are made in a thread during the commit (Simulator.overlap); the
    run is the same as when they are made at the start of their tick."""

    def no_overlap(sim: Simulator) -> None:
        sim.overlap = False

    config = small(hours=8, rate=120, fault_rate=2.0)
    sims = runs_alike(tmp_path, config, [("on", lambda sim: None), ("off", no_overlap)])
    assert all(not sim._prepared for sim in sims)  # every prepared tick was played


def test_checkpoints_in_a_thread_change_nothing_in_the_run(tmp_path):
    """``simulate`` checkpoints the WAL in a thread of its own (store/checkpoints.py): the run
    writes the same store, and its caches kept between ticks stay valid (a checkpoint by another
    connection is not a change of the data)."""
    config = small(hours=8, rate=120, fault_rate=2.0)
    out = []
    for name, background in (("thread", True), ("commits", False)):
        db = Database(
            f"sqlite:///{tmp_path / name}.db",
            wal_autocheckpoint=64,
            checkpoint_in_background=background,
        )
        sim = run_to_end(db, config)
        assert check_invariants(db) == []
        cache = sim.service.reservation_cache
        out.append((event_log(db), reservations(db), cache.hits, db.checkpointer))
    (log_a, rows_a, hits_a, ckpt), (log_b, rows_b, hits_b, none) = out
    assert len(log_a) > 1000 and log_a == log_b and rows_a == rows_b
    assert ckpt is not None and ckpt.rounds > 3 and ckpt.error is None and none is None
    assert hits_a == hits_b > 0
