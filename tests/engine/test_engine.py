"""The confirmation engine on a real SQLite store: every outcome of SPEC §3/§5 it is responsible for."""

from __future__ import annotations

import json
import random
import threading

from charge_tui.domain.clock import SimulatedClock
from charge_tui.domain.enums import ConnectorType as C
from charge_tui.domain.enums import EventType, FailureReason, Status
from charge_tui.domain.ids import IdFactory
from charge_tui.engine.confirmation import ConfirmationEngine, TickResult
from charge_tui.service import ReservationService
from charge_tui.store.audit import check_invariants
from charge_tui.store.db import Database
from tests.engine.conftest import HOUR, T0, params, station

LEAD = 1800


def one_evse(service, types=(C.CCS1,)):
    service.add_stations([station("sta_one", [("evse_one", types)])])


def test_due_reservation_is_confirmed_at_its_preferred_slot(service, clock):
    service.add_stations(
        [
            station("sta_near", [("evse_near", (C.CCS1,))]),
            station("sta_far", [("evse_far", (C.CCS1,))], dlat=0.01),
        ]
    )
    r = service.create(params(T0 + HOUR))
    engine = ConfirmationEngine(service)
    assert engine.tick().confirmed == 0  # not due: 60 min ahead, lead 30 min
    assert service.retrieve(r.id).status is Status.PENDING
    clock.advance_to(T0 + HOUR - LEAD)
    result = engine.tick()
    assert (result.confirmed, result.transitions) == (1, 1)
    c = service.retrieve(r.id)
    assert c.status is Status.CONFIRMED
    assert (c.evse, c.charging_station) == ("evse_near", "sta_near")
    assert (c.scheduled_start_time, c.scheduled_end_time) == (T0 + HOUR, T0 + 2 * HOUR)
    assert c.fees_charged == 300 and c.confirmed_at == T0 + HOUR - LEAD
    assert c.next_check_at == T0 + HOUR + 20 * 60  # no-show check: start + grace
    ev = service.events(r.id)[-1]
    assert (ev.type, ev.actor) == (EventType.CONFIRMED.value, "engine")


def test_declined_card_fails_with_payment_failed(service, clock):
    one_evse(service)
    r = service.create(params(T0 + 20 * 60, pm="pm_card_declined"))
    result = ConfirmationEngine(service).tick()
    assert result.failed_payment == 1
    f = service.retrieve(r.id)
    assert (f.status, f.failure_reason) == (Status.FAILED, FailureReason.PAYMENT_FAILED)
    assert f.evse is None and f.fees_charged == 0


def test_no_evse_in_area_fails_at_once(service):
    one_evse(service, types=(C.J1772,))
    r = service.create(params(T0 + 20 * 60, types=("chademo",), after=2 * HOUR))
    result = ConfirmationEngine(service).tick()
    assert result.failed_no_connectors == 1 and result.retried == 0
    assert service.retrieve(r.id).failure_reason is FailureReason.NO_AVAILABLE_CONNECTORS


def test_blocked_reservation_is_retried_then_fails_when_no_slot_can_fit(service, clock):
    one_evse(service)
    engine = ConfirmationEngine(service, retry_interval=600)
    blocker = service.create(params(T0 + 20 * 60, 60))
    assert engine.tick().confirmed == 1
    # Wants 10:20-11:20 too, may end by 11:50: never fits while the blocker holds 10:20-11:20.
    r = service.create(params(T0 + 20 * 60, 60, after=30 * 60, driver="drv_second"))
    first = engine.tick()
    assert (first.retried, first.failed_no_connectors) == (1, 0)
    waiting = service.retrieve(r.id)
    assert waiting.status is Status.PENDING and waiting.next_check_at == T0 + 600
    # The last possible start is 10:50 (latest_end 11:50 minus 60 min): retried until then.
    clock.advance_to(T0 + 600)
    assert engine.tick().retried == 1
    assert service.retrieve(r.id).next_check_at == T0 + 1200
    clock.advance_to(T0 + 25 * 60)
    service.complete(blocker.id, actor="driver")  # the blocker's session goes on until 11:20
    clock.advance_to(T0 + 50 * 60)
    assert engine.tick().failed_no_connectors == 1
    assert service.retrieve(r.id).failure_reason is FailureReason.NO_AVAILABLE_CONNECTORS
    assert service.retrieve(blocker.id).status is Status.COMPLETED


def test_a_no_show_frees_the_rest_of_its_slot_for_a_waiting_reservation(service, clock):
    one_evse(service)
    engine = ConfirmationEngine(service, retry_interval=600)
    blocker = service.create(params(T0 + 20 * 60, 60))
    engine.tick()
    r = service.create(params(T0 + 20 * 60, 60, after=30 * 60, driver="drv_second"))
    engine.tick()
    clock.advance_to(T0 + 50 * 60)  # the blocker never came (grace ended 10:40)
    result = engine.tick()
    assert (result.no_shows, result.confirmed) == (1, 1)
    assert service.retrieve(blocker.id).status is Status.EXPIRED
    c = service.retrieve(r.id)
    assert (c.status, c.scheduled_start_time) == (Status.CONFIRMED, T0 + 50 * 60)
    assert check_invariants(service.db) == []


def test_a_cancellation_lets_a_retried_reservation_in(service, clock):
    one_evse(service)
    engine = ConfirmationEngine(service, retry_interval=300)
    blocker = service.create(params(T0 + 20 * 60, 60))
    engine.tick()
    r = service.create(params(T0 + 20 * 60, 60, after=30 * 60, driver="drv_second"))
    assert engine.tick().retried == 1
    service.cancel(blocker.id, actor="driver")
    clock.advance_to(T0 + 300)
    assert engine.tick().confirmed == 1
    c = service.retrieve(r.id)
    assert (c.status, c.scheduled_start_time) == (Status.CONFIRMED, T0 + 20 * 60)


def test_pending_past_its_window_expires(service, clock):
    one_evse(service)
    r = service.create(params(T0 + HOUR, 30))
    clock.advance_to(T0 + HOUR + 30 * 60)  # latest_end_time: the engine was not running
    result = ConfirmationEngine(service).tick()
    assert result.expired == 1
    e = service.retrieve(r.id)
    assert (e.status, e.fees_charged, e.failure_reason) == (Status.EXPIRED, 0, None)


def test_no_show_expires_with_fee_and_a_reported_session_does_not(service, clock):
    service.add_stations([station("sta_two", [("evse_a", (C.CCS1,)), ("evse_b", (C.CCS1,))])])
    engine = ConfirmationEngine(service)
    show = service.create(params(T0 + 20 * 60, 60))
    no_show = service.create(params(T0 + 20 * 60, 60, driver="drv_noshow"))
    assert engine.tick().confirmed == 2
    clock.advance_to(T0 + 25 * 60)
    service.complete(show.id, actor="driver")
    clock.advance_to(T0 + 39 * 60)  # grace (20 min) not over yet
    assert engine.tick().no_shows == 0
    clock.advance_to(T0 + 40 * 60)
    assert engine.tick().no_shows == 1
    ns = service.retrieve(no_show.id)
    assert ns.status is Status.EXPIRED and ns.fees_charged == 300 + 200
    assert service.events(no_show.id)[-1].data == {"fee_charged": 200, "no_show": True}
    assert service.retrieve(show.id).status is Status.COMPLETED


def crafted_contention(service):
    """EVSE A takes CCS1 and NACS, EVSE B only CCS1, same station. The first in the queue accepts
    CCS1 (A or B), the second only NACS (A), both for the same hour: first come first served gives
    A (lowest id among equals) to the first and nothing to the second; assigning them together
    confirms both."""
    service.add_stations([station("sta_x", [("evse_a", (C.CCS1, C.NACS)), ("evse_b", (C.CCS1,))])])
    # Ten minutes of slack before: due ten minutes earlier, so first in the engine's queue.
    first = service.create(
        params(T0 + 20 * 60, 60, types=("ccs1",), before=10 * 60, driver="drv_first")
    )
    second = service.create(params(T0 + 20 * 60, 60, types=("nacs",), driver="drv_second"))
    return first, second


def test_batch_assignment_confirms_more_than_first_come_first_served(tmp_path):
    outcomes = {}
    for strategy in ("fcfs", "batch"):
        db = Database(f"sqlite:///{tmp_path / strategy}.db")
        svc = ReservationService(db, clock=SimulatedClock(T0), ids=IdFactory(random.Random(1)))
        first, second = crafted_contention(svc)
        result = ConfirmationEngine(svc, strategy=strategy, retry_interval=10 * 3600).tick()
        outcomes[strategy] = (
            result.confirmed,
            svc.retrieve(first.id).evse,
            svc.retrieve(second.id).evse,
        )
        assert check_invariants(db) == []
        db.dispose()
    assert outcomes["fcfs"] == (1, "evse_a", None)
    assert outcomes["batch"] == (2, "evse_b", "evse_a")


def test_a_declined_payment_gives_its_slot_to_another_of_the_batch(service):
    one_evse(service)
    # Both want the only EVSE; they cannot both fit. The declined one is placed first (no slack).
    declined = service.create(params(T0 + 20 * 60, 60, pm="pm_card_declined", driver="drv_a"))
    other = service.create(params(T0 + 20 * 60, 60, after=30 * 60, driver="drv_b"))
    result = ConfirmationEngine(service).tick()
    assert (result.failed_payment, result.confirmed) == (1, 1)
    assert service.retrieve(declined.id).failure_reason is FailureReason.PAYMENT_FAILED
    assert service.retrieve(other.id).status is Status.CONFIRMED


def test_fault_moves_confirmed_reservations_or_fails_them(service, clock):
    service.add_stations(
        [
            station("sta_a", [("evse_a1", (C.CCS1,)), ("evse_a2", (C.CCS1,))]),
            station("sta_nacs", [("evse_n", (C.NACS,))]),
        ]
    )
    engine = ConfirmationEngine(service)
    movable = service.create(params(T0 + 20 * 60, 60, types=("ccs1",), driver="drv_m"))
    stuck = service.create(params(T0 + 20 * 60, 60, types=("nacs",), driver="drv_s"))
    assert engine.tick().confirmed == 2
    was = service.retrieve(movable.id).evse
    with service.transaction() as uow:
        result = TickResult()
        engine.fault(uow, was, result)
        engine.fault(uow, "evse_n", result)
    assert (result.faults, result.reassigned, result.failed_other) == (2, 1, 1)
    m = service.retrieve(movable.id)
    assert m.status is Status.CONFIRMED and m.evse not in (was, None)
    assert m.scheduled_start_time == T0 + 20 * 60
    assert service.events(movable.id)[-1].type == EventType.REASSIGNED.value
    s = service.retrieve(stuck.id)
    assert (s.status, s.failure_reason) == (Status.FAILED, FailureReason.OTHER)
    assert check_invariants(service.db) == []
    # The engine's view of the network follows: nothing new lands on the faulted EVSEs.
    late = service.create(params(T0 + 3 * HOUR, 60, types=("ccs1", "nacs"), driver="drv_l"))
    clock.advance_to(T0 + 3 * HOUR - LEAD)
    assert engine.tick().confirmed == 1
    assert service.retrieve(late.id).evse not in (was, "evse_n")
    with service.transaction() as uow:
        engine.restore(uow, "evse_n")
    n = service.create(params(T0 + 4 * HOUR, 60, types=("nacs",), driver="drv_n"))
    clock.advance_to(T0 + 4 * HOUR - LEAD)
    assert engine.tick().confirmed == 1
    assert service.retrieve(n.id).evse == "evse_n"


def test_a_fault_made_by_someone_else_is_seen_by_the_engine(service, clock):
    service.add_stations([station("sta_a", [("evse_a1", (C.CCS1,)), ("evse_a2", (C.CCS1,))])])
    engine = ConfirmationEngine(service)
    engine.tick()  # the engine has loaded the network
    service.fault_evse("evse_a1", actor="dispatcher")  # another writer
    rs = [service.create(params(T0 + 20 * 60, 60, driver=f"drv_{i}")) for i in range(2)]
    result = engine.tick()
    assert result.confirmed == 1
    assert {service.retrieve(r.id).evse for r in rs} == {"evse_a2", None}


def test_a_waiting_request_sees_a_repair_in_its_area_and_keeps_its_options_after_a_far_fault(
    service, clock
):
    service.add_stations(
        [
            station("sta_near", [("evse_n1", (C.CCS1,))]),
            station("sta_side", [("evse_s1", (C.CCS1,))], dlat=0.005),  # ~560 m away
            station("sta_far", [("evse_f1", (C.CCS1,))], dlat=0.5),  # ~56 km away
        ]
    )
    engine = ConfirmationEngine(service, retry_interval=300)
    with service.transaction() as uow:
        engine.fault(uow, "evse_s1")
    blocker = service.create(params(T0 + 20 * 60, 60, driver="drv_blocker"))
    assert engine.tick().confirmed == 1
    assert service.retrieve(blocker.id).evse == "evse_n1"
    r = service.create(params(T0 + 20 * 60, 60, after=30 * 60, driver="drv_waiting"))
    assert engine.tick().retried == 1
    options = engine._options[r.id]
    with service.transaction() as uow:
        engine.fault(uow, "evse_f1")  # outside the area: what the request can use is the same
    assert engine._options[r.id] is options
    with service.transaction() as uow:
        engine.restore(uow, "evse_s1")  # inside the area: a kept cursor would not know it
    assert r.id not in engine._options
    clock.advance_to(T0 + 300)
    assert engine.tick().confirmed == 1
    c = service.retrieve(r.id)
    assert (c.evse, c.scheduled_start_time) == ("evse_s1", T0 + 20 * 60)
    assert check_invariants(service.db) == []


def test_limit_bounds_a_tick_and_the_rest_follows(service):
    service.add_stations([station("sta_big", [(f"evse_{i:02d}", (C.CCS1,)) for i in range(12)])])
    for i in range(10):
        service.create(params(T0 + 20 * 60, 30, driver=f"drv_{i}"))
    engine = ConfirmationEngine(service, limit=4)
    first = engine.tick()
    assert (first.confirmed, first.more) == (4, True)
    assert engine.tick().confirmed == 4
    last = engine.tick()
    assert (last.confirmed, last.more) == (2, False)
    assert service.counts()[Status.CONFIRMED] == 10


def test_run_inside_a_transaction_sees_what_it_created(service):
    one_evse(service)
    engine = ConfirmationEngine(service)
    with service.transaction() as uow:
        r = uow.create(params(T0 + 10 * 60, 30))
        result = engine.run(uow)
    assert result.confirmed == 1
    assert service.retrieve(r.id).status is Status.CONFIRMED


def test_tick_result_is_json(service):
    one_evse(service)
    service.create(params(T0 + 10 * 60, 30))
    d = ConfirmationEngine(service).tick().to_dict()
    assert json.loads(json.dumps(d))["confirmed"] == 1
    assert d["object"] == "engine_tick" and d["transitions"] == 1


def test_confirm_lead_is_the_services(service, clock):
    engine = ConfirmationEngine(service, confirm_lead=2 * HOUR)
    assert service.config.confirm_lead == 2 * HOUR == engine.confirm_lead
    one_evse(service)
    r = service.create(params(T0 + 2 * HOUR, 30))
    assert engine.tick().confirmed == 1
    assert service.retrieve(r.id).status is Status.CONFIRMED


def test_concurrent_engines_never_double_book(tmp_path):
    """Two engines (separate connections, as two processes) ticking at the same time on one store
    full of contended reservations: invariant 1 holds and each reservation is decided once."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    db = Database(url)
    svc = ReservationService(db, clock=SimulatedClock(T0), ids=IdFactory(random.Random(3)))
    svc.add_stations([station("sta_c", [(f"evse_c{i}", (C.CCS1,)) for i in range(3)])])
    rng = random.Random(5)
    with svc.transaction() as uow:
        for i in range(120):
            start = T0 + 20 * 60 + rng.randrange(0, 8) * 900
            uow.create(params(start, rng.choice((30, 60, 90)), after=1800, driver=f"drv_{i}"))
    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        wdb = Database(url)
        clock = SimulatedClock(T0)
        w = ReservationService(wdb, clock=clock, ids=IdFactory(random.Random(seed)))
        engine = ConfirmationEngine(w, limit=7, retry_interval=300)
        try:
            for step in range(0, 4 * 3600, 120):
                clock.advance_to(T0 + step)
                engine.tick()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            wdb.dispose()

    threads = [threading.Thread(target=worker, args=(s,)) for s in (101, 202)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert check_invariants(db) == []
    counts = svc.counts()
    assert counts[Status.PENDING] == 0 and counts[Status.FAILED] > 0
    with db.read() as conn:
        decisions = conn.exec_driver_sql(
            "SELECT reservation_id, COUNT(*) FROM reservation_events WHERE type IN "
            "('reservation.confirmed', 'reservation.failed') GROUP BY reservation_id"
        ).all()
        confirmed = conn.exec_driver_sql(
            "SELECT COUNT(*) FROM reservation_events WHERE type = 'reservation.confirmed'"
        ).scalar()
    # Every reservation was decided exactly once, by one engine or the other.
    assert len(decisions) == 120 and all(n == 1 for _rid, n in decisions)
    assert confirmed > 0
    db.dispose()
