"""Writing behind: the simulator answers its reads from memory while a writer process commits each
tick (store/writebehind.py), and makes its requests in a process of their own
(engine/requests.py). Real SQLite files, real processes."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from charge_tui.domain.clock import SimulatedClock
from charge_tui.domain.enums import Status
from charge_tui.engine.requests import RequestFeed, flatten, unflatten
from charge_tui.engine.simulator import Simulator
from charge_tui.service import ReservationService
from charge_tui.service.ownwrites import ReservationCache
from charge_tui.service.uow import NO_STORE, DetachedRead, UnitOfWork
from charge_tui.store import queries
from charge_tui.store.audit import check_invariants
from charge_tui.store.db import Database
from charge_tui.store.writebehind import WriteBehind, WriteBehindStopped
from tests.engine.test_simulator import event_log, reservations, runs_alike, small


def behind(sim: Simulator) -> None:
    sim.write_behind = True


def test_a_run_written_behind_is_the_run_written_in_process(tmp_path):
    """Same seed, same store, to the byte: every read answered from memory answers what the store
    would have (faults and repairs included), and the requests made in their own process are the
    ones made here."""
    config = small(hours=10, rate=150, fault_rate=3.0)
    in_process, written_behind = runs_alike(
        tmp_path, config, [("in_process", lambda sim: None), ("behind", behind)]
    )
    assert written_behind.stats.faults > 3 and written_behind.stats.repairs > 0
    assert in_process.kpis()["reservations"] == written_behind.kpis()["reservations"]


def test_a_run_written_behind_commits_every_tick_from_the_writer(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'wb.db'}")
    sim = Simulator.for_database(db, small(hours=3))
    sim.write_behind = True
    sim.setup()
    commits_before = db.commits
    writers = []
    original = WriteBehind.close

    def keep(writer: WriteBehind) -> None:
        original(writer)
        writers.append(writer)

    WriteBehind.close = keep  # type: ignore[method-assign]
    try:
        sim.run()
    finally:
        WriteBehind.close = original  # type: ignore[method-assign]
    # This process committed one transaction (loading the store into memory, writing nothing);
    # the writer process committed every tick.
    assert db.commits == commits_before + 1
    assert len(writers) == 1 and writers[0].committed == sim.stats.ticks == 180
    assert check_invariants(db) == []
    # Afterwards the store is the truth again: nothing kept for the detached run is trusted.
    assert sim.service.write_behind is None
    assert not sim.service.reservation_cache.complete


def test_another_writer_stops_a_run_written_behind_with_every_tick_before_it_whole(tmp_path):
    """A change by another connection (a dispatcher) makes the run's memory wrong: the writer
    refuses the tick it finds it in and everything after, the run stops with a one-line reason,
    and the store keeps every tick before it whole and the dispatcher's change."""
    path = tmp_path / "wb.db"
    db = Database(f"sqlite:///{path}")
    sim = Simulator.for_database(db, small(hours=6, rate=120))
    sim.write_behind = True
    sim.setup()
    seen = {}

    def dispatcher(s: Simulator) -> None:
        if s.stats.ticks == 20 and not seen:
            conn = sqlite3.connect(path)
            (rid,) = conn.execute(
                "SELECT id FROM reservations WHERE status = 'pending' AND latest_end_time > ? "
                "ORDER BY id LIMIT 1",
                (s.clock.now() + 3600,),
            ).fetchone()
            conn.close()
            # A dispatcher in the console, at the run's simulated time.
            console = ReservationService(
                Database(f"sqlite:///{path}"), clock=SimulatedClock(s.clock.now())
            )
            console.cancel(rid)
            seen["rid"] = rid

    with pytest.raises(WriteBehindStopped) as caught:
        sim.run(on_progress=dispatcher, progress_every=0)
    assert caught.value.reason == "changed"
    assert "another connection wrote to the store" in str(caught.value)
    stopped_at = caught.value.label
    tick = sim.config.tick_seconds
    # Up to ``in_flight`` ticks may still have been on their way to the writer when the
    # dispatcher wrote, but no more.
    behind = WriteBehind.__init__.__kwdefaults__["in_flight"]
    assert stopped_at is not None and stopped_at >= sim.start + (21 - behind) * tick
    conn = sqlite3.connect(path)
    last = conn.execute(
        "SELECT max(created) FROM reservation_events WHERE actor != 'dispatcher'"
    ).fetchone()[0]
    status = conn.execute(
        "SELECT status FROM reservations WHERE id = ?", (seen["rid"],)
    ).fetchone()[0]
    conn.close()
    assert sim.start + (20 - behind) * tick <= last < stopped_at  # before it all, none after
    assert status == "cancelled"
    assert check_invariants(db) == []  # every committed tick whole
    assert sim.service.write_behind is None


def test_the_writer_refuses_a_batch_whose_version_check_fails_and_all_after_it(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    db.dispose()
    writer = WriteBehind(str(tmp_path / "w.db"))
    ok = [("INSERT INTO schema_meta (key, value) VALUES (?, ?)", [("a", "1"), ("b", "2")], None)]
    writer.submit(1, ok)
    writer.drain()
    assert writer.committed == 1
    bad = [
        ("INSERT INTO schema_meta (key, value) VALUES (?, ?)", [("c", "3")], None),
        ("UPDATE schema_meta SET value = ? WHERE key = ?", [("9", "nope")], 1),
    ]
    writer.submit(2, bad)
    with pytest.raises(WriteBehindStopped) as caught:
        writer.drain()
        writer.submit(3, ok)
    assert caught.value.reason == "conflict" and caught.value.label == 2
    with pytest.raises(WriteBehindStopped):
        writer.submit(
            3, [("INSERT INTO schema_meta (key, value) VALUES (?, ?)", [("d", "4")], None)]
        )
    writer.close()
    conn = sqlite3.connect(tmp_path / "w.db")
    keys = {k for (k,) in conn.execute("SELECT key FROM schema_meta")}
    conn.close()
    assert {"a", "b"} <= keys and not keys & {"c", "d"}


def test_a_writer_that_dies_is_reported_not_hidden(tmp_path):
    Database(f"sqlite:///{tmp_path / 'w.db'}").dispose()
    writer = WriteBehind(str(tmp_path / "w.db"))
    writer._proc.kill()
    writer._proc.wait()
    with pytest.raises(WriteBehindStopped, match="stopped unexpectedly"):
        writer.submit(1, [("SELECT 1", [()], None)])
        writer.drain()
    writer.close()


def test_a_detached_unit_of_work_never_reads_the_store(tmp_path):
    """What is not in memory is an error, not a silent read of a store that is behind."""
    db = Database(f"sqlite:///{tmp_path / 'd.db'}")
    uow = UnitOfWork(
        NO_STORE,
        now=0,
        ids=None,
        authorizer=None,
        config=None,
        statements=[],  # type: ignore[arg-type]
    )
    with pytest.raises(DetachedRead):
        uow.get("rsv_" + "x" * 24)
    with pytest.raises(DetachedRead):
        uow.busy(["evse_1"], 0, 10)
    cache = ReservationCache(db)
    with pytest.raises(DetachedRead, match="not loaded"):
        cache.begin(uow)


def test_the_due_queue_in_memory_answers_what_the_store_does(tmp_path):
    """ReservationCache.due_ids against queries.due_ids on the same store, mid-run."""
    db = Database(f"sqlite:///{tmp_path / 'q.db'}")
    sim = Simulator.for_database(db, small(hours=5, rate=200))
    sim.step(sim.start + 4 * 3600)
    cache = ReservationCache(db)
    with db.read() as conn:
        cache.load_all(conn)
        for status in (Status.PENDING, Status.CONFIRMED):
            for now in (sim.start + 4 * 3600, sim.start + 6 * 3600, sim.start + 30 * 3600):
                for limit in (1, 7, 10_000):
                    want = queries.due_ids(conn, status, now, limit)
                    assert cache.due_ids(status, now, limit) == want
                    assert cache.due_ids(status, now, limit) == want  # asking twice: same
        assert any(queries.due_ids(conn, Status.PENDING, sim.start + 30 * 3600, 10))


def test_flattened_reservations_come_back_equal(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'f.db'}")
    sim = Simulator.for_database(db, small(hours=4, rate=200))
    sim.run()
    with db.read() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT id FROM reservations"))]
        rows = queries.get_many(conn, ids)
    assert len(rows) > 50
    statuses = {r.status for r in rows.values()}
    assert {Status.CONFIRMED, Status.FAILED} <= statuses
    for r in rows.values():
        assert unflatten(flatten(r)) == r


def test_the_request_process_makes_the_requests_made_here(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'r.db'}")
    sim = Simulator.for_database(db, small(hours=2, rate=300, declined_card_share=0.2))
    sim.setup()
    step = sim.config.tick_seconds
    feed = RequestFeed(sim.requests.spec, sim.start + step, step, sim.end)
    try:
        t = sim.start + step
        made = 0
        while t <= sim.end:
            here = sim.requests.make(t)
            there = feed.take(t)
            assert [f for _m, f in here] == [f for _m, f in there]
            for (a, _), (b, _) in zip(here, there, strict=True):
                if isinstance(a, tuple):
                    assert a == b
                    made += 1
                else:
                    assert (a.code, a.message, a.param) == (b.code, b.message, b.param)
            t += step
    finally:
        feed.close()
    assert made > 100
    assert event_log(db) == [] and reservations(db) == []


def test_a_run_stopped_early_and_played_on_is_the_run_played_at_once(tmp_path):
    """The request process made the requests of the first part; the second part makes them here,
    where the maker first catches up with what the process drew."""

    def in_two_parts(sim: Simulator) -> None:
        sim.write_behind = True
        run = sim.run

        def stop_halfway(s: Simulator) -> None:
            if s.clock.now() >= s.start + 4 * 3600:
                s.request_stop()

        def twice(**kw):
            run(on_progress=stop_halfway, progress_every=0)
            assert not sim.finished
            sim._stop.clear()
            sim.write_behind = False  # the second part in process: the other path too
            return run(**kw)

        sim.run = twice  # type: ignore[method-assign]

    runs_alike(tmp_path, small(hours=8, rate=120), [("once", behind), ("twice", in_two_parts)])


@pytest.mark.parametrize("write_behind", [True, False], ids=["behind", "in_process"])
def test_the_same_seed_run_again_on_the_same_store_adds_to_it(tmp_path, write_behind):
    """A second run of the same seed from the same start used to draw the first run's ids again
    and stop on the unique index; a store with history now seeds the run's ids with it."""
    db = Database(f"sqlite:///{tmp_path / 'again.db'}")
    counts = []
    for _ in range(2):
        sim = Simulator.for_database(db, small(hours=3))
        sim.write_behind = write_behind
        sim.run()
        assert sim.stats.created > 50
        counts.append(len(reservations(db)))
    assert counts[1] == counts[0] + sim.stats.created
    assert sim.history > 0
    assert check_invariants(db) == []
