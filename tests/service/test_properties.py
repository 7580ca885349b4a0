"""Random sequences of creates, transitions, faults and clock moves against a real store; the four
invariants of SPEC §3 are checked after every step, and every refusal must change nothing."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from charge_tui.domain.clock import FrozenClock
from charge_tui.domain.enums import Action, ConnectorType, FailureReason, Status
from charge_tui.domain.errors import ChargeError
from charge_tui.domain.ids import IdFactory
from charge_tui.engine.network import generate_network
from charge_tui.service import ReservationService
from charge_tui.store.db import Database
from tests.factories import CENTER, NOW
from tests.invariants import violations

EXPECTED_REFUSALS = {
    "reservation_unexpected_state",
    "no_available_connectors",
    "payment_failed",
    "slot_unavailable",
    "parameter_invalid",
}


class ReservationLifecycle(RuleBasedStateMachine):
    @initialize(seed=st.integers(0, 1000))
    def setup(self, seed):
        self.dir = tempfile.TemporaryDirectory()
        self.db = Database(f"sqlite:///{Path(self.dir.name) / 'p.db'}")
        self.clock = FrozenClock(NOW)
        self.svc = ReservationService(self.db, clock=self.clock, ids=IdFactory(random.Random(seed)))
        # A deliberately small, crowded network: 3 stations close to the centre.
        net = self.svc.add_stations(generate_network(3, seed=seed, center=CENTER, radius_km=1.5))
        self.evses = [e.id for s in net for e in s.evses]
        self.ids: list[str] = []
        self.refusals = 0

    def teardown(self):
        self.db.dispose()
        self.dir.cleanup()

    def _row(self, rid):
        r = self.svc.retrieve(rid)
        return r, len(self.svc.events(rid))

    def _attempt(self, rid, fn):
        before = self._row(rid)
        try:
            after = fn()
        except ChargeError as exc:
            assert exc.code in EXPECTED_REFUSALS, exc
            assert self._row(rid) == before, "a refused action changed the store"
            self.refusals += 1
            return None
        r, n_events = self._row(rid)
        assert r == after
        assert n_events == before[1] + 1
        assert r.version == before[0].version + 1
        assert r.updated == self.clock.now()
        return after

    @rule(
        lead=st.integers(-120, 3 * 86400),
        duration=st.integers(600, 4 * 3600),
        slack_before=st.integers(0, 7200),
        slack_after=st.integers(0, 7200),
        types=st.lists(st.sampled_from(list(ConnectorType)), min_size=1, max_size=3, unique=True),
        common=st.sampled_from([ConnectorType.J1772, ConnectorType.CCS1, ConnectorType.NACS]),
        radius=st.integers(100, 5000),
        pm=st.sampled_from(["pm_card_visa"] * 6 + ["pm_card_declined", None]),
        confirm_now=st.booleans(),
    )
    def create(
        self, lead, duration, slack_before, slack_after, types, common, radius, pm, confirm_now
    ):
        now = self.clock.now()
        if common not in types:  # mostly ask for what the (North American) network has
            types = [*types[:2], common]
        start = now + lead
        p = {
            "connector_types": [t.value for t in types],
            "driver": "drv_prop",
            "vehicle": "veh_prop",
            "preferred_start_time": start,
            "preferred_end_time": start + duration,
            "earliest_start_time": start - slack_before,
            "latest_end_time": start + duration + slack_after,
            "service_area": {
                "latitude": CENTER[0],
                "longitude": CENTER[1],
                "radius_meters": radius,
            },
            "payment_method": pm,
        }
        r = self.svc.create(p)
        assert r.status is Status.PENDING
        self.ids.append(r.id)
        if confirm_now:
            self._attempt(r.id, lambda: self.svc.confirm(r.id, actor="engine"))

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), action=st.sampled_from(list(Action)))
    def act(self, data, action):
        rid = data.draw(st.sampled_from(self.ids))
        if action is Action.FAIL:
            reason = data.draw(st.sampled_from(list(FailureReason)))
            self._attempt(rid, lambda: self.svc.fail(rid, reason, actor="prop"))
        else:
            self._attempt(rid, lambda: self.svc.act(rid, action, actor="prop"))

    @precondition(lambda self: self.ids)
    @rule(data=st.data())
    def confirm_on_chosen_evse(self, data):
        rid = data.draw(st.sampled_from(self.ids))
        evse = data.draw(st.sampled_from(self.evses))
        r = self.svc.retrieve(rid)
        start = data.draw(st.integers(r.earliest_start_time, r.latest_end_time))
        self._attempt(rid, lambda: self.svc.confirm(rid, evse_id=evse, start=start, actor="prop"))

    @rule(data=st.data())
    def fault_or_restore(self, data):
        evse = data.draw(st.sampled_from(self.evses))
        down = {e.id for s in self.svc.stations() for e in s.evses if e.status.value != "available"}
        fault = data.draw(st.booleans())
        if fault == (evse in down):
            # Faulting a faulted EVSE, restoring a working one: refused, nothing changes.
            with pytest.raises(ChargeError) as refused:
                (self.svc.fault_evse if fault else self.svc.restore_evse)(evse)
            assert refused.value.code == "evse_unexpected_state"
        elif fault:
            for r in self.svc.fault_evse(evse, actor="prop"):
                assert r.status in (Status.CONFIRMED, Status.FAILED)
                assert r.evse != evse or r.status is Status.FAILED
        else:
            self.svc.restore_evse(evse)

    @precondition(lambda self: self.ids)
    @rule(data=st.data())
    def confirm_best(self, data):
        rid = data.draw(st.sampled_from(self.ids))
        self._attempt(rid, lambda: self.svc.confirm(rid, actor="engine"))

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), offset=st.integers(-600, 1800))
    def jump_to_a_slot(self, data, offset):
        """Move the clock to around a confirmed slot's start, where complete/expire get decided."""
        held = [r for r in (self.svc.retrieve(i) for i in self.ids) if r.status is Status.CONFIRMED]
        if held:
            r = data.draw(st.sampled_from(held))
            self.clock.at = max(self.clock.at, r.scheduled_start_time + offset)

    @rule(seconds=st.integers(1, 6 * 3600))
    def advance_clock(self, seconds):
        self.clock.at += seconds

    @invariant()
    def spec_invariants_hold(self):
        if hasattr(self, "db"):
            assert violations(self.db) == []


ReservationLifecycle.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestReservationLifecycle = ReservationLifecycle.TestCase
