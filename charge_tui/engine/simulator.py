"""The headless simulator: plays the world around the store on a simulated clock.

Each tick (``tick_seconds``) is one transaction through the service's unit of work: what drivers
and stations scheduled (repairs, cancellations, arrivals), station faults, new requests from the
workload (made before the transaction, in a thread or a process of their own), then the
confirmation engine's tick. Nothing is written if a tick fails. A run is deterministic for a seed
on a fresh store. Written behind (:mod:`charge_tui.engine.simbehind`), a writer process commits
each tick while the next is played. docs/design.md says more.

    sim = Simulator(service, SimConfig(seed=1, hours=24))
    sim.setup()                      # station network if the store has none
    while not sim.finished:
        stats = sim.step(sim.clock.now() + 600)   # advance 10 simulated minutes
    print(sim.kpis())
"""

from __future__ import annotations

import contextlib
import heapq
import math
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from charge_tui.domain.clock import SimulatedClock
from charge_tui.domain.enums import Status
from charge_tui.domain.errors import ChargeError
from charge_tui.domain.ids import IdFactory
from charge_tui.engine.confirmation import RETRYABLE, ConfirmationEngine
from charge_tui.engine.network import generate_network
from charge_tui.engine.requests import Made, RequestFeed, RequestMaker, RequestSpec
from charge_tui.engine.runsettings import in_thread, run_settings
from charge_tui.engine.simbehind import writing_behind
from charge_tui.engine.simconfig import SimConfig
from charge_tui.engine.simservice import simulation_service
from charge_tui.engine.simstats import RunTotals, StepStats, TickWork, account, summary
from charge_tui.engine.tickresult import TickResult
from charge_tui.engine.workload import Fate, Workload, driver_can_cancel
from charge_tui.service import ReservationService, UnitOfWork
from charge_tui.service.ownwrites import ReservationCache
from charge_tui.service.uow import Prepared
from charge_tui.store import queries
from charge_tui.store.db import Database
from charge_tui.store.writebehind import WriteBehind

ACTOR_DRIVER = "driver"

# Kinds of scheduled actions, in the order they run when due at the same second.
_RESTORE, _CANCEL, _ARRIVE = 0, 1, 2


class Simulator:
    """See the module docstring. ``service``: a service on the store to simulate on; if its clock
    is a :class:`SimulatedClock` it is used as is (with its authorizer and ids), otherwise the
    simulator makes its own service on the same database with a simulated clock, a test-mode
    authorizer declining at ``decline_rate`` and seeded ids (:meth:`for_database`)."""

    def __init__(self, service: ReservationService, config: SimConfig | None = None) -> None:
        self.config = config = config or SimConfig()
        if isinstance(service.clock, SimulatedClock):
            self.service = service
            self.clock: SimulatedClock = service.clock
            if config.start is not None:
                self.clock.advance_to(config.start)
        else:
            self.service = simulation_service(service.db, config, base=service.config)
            assert isinstance(self.service.clock, SimulatedClock)
            self.clock = self.service.clock
            self._own_ids = True
        if self.service.reservation_cache is None:
            # The run reads back mostly reservations it made itself (ownwrites).
            self.service.reservation_cache = ReservationCache(self.service.db)
        self.start = self.clock.now()
        self.end = self.start + int(round(config.hours * 3600))
        self.engine = ConfirmationEngine(
            self.service,
            confirm_lead=config.confirm_lead,
            limit=config.tick_limit,
            retry_interval=config.retry_seconds,
        )
        self._next_tick = self.start + config.tick_seconds
        self._stop = threading.Event()
        self._ready = False
        self._run = RunTotals()
        self._heap: list[tuple[int, int, int, str, int]] = []
        # The requests of coming ticks made while an earlier one committed, by tick.
        self._prepared: dict[int, list[tuple[Prepared | ChargeError, Fate]]] = {}
        #: Make the next tick's requests in a thread while a tick commits (same run either way).
        self.overlap = True
        #: Write behind (:meth:`run` on a SQLite file): the run keeps the store's state in memory
        #: and a writer process commits each tick while the next one is played (same run
        #: either way; another connection's write stops the run instead of being played along).
        self.write_behind = False
        self._writer: WriteBehind | None = None
        self._seq = 0
        self._fates: dict[str, Fate] = {}
        self._mine: set[str] = set()
        self._down: set[str] = set()
        self._faults = random.Random(f"sim:{config.seed}:faults")
        self._next_fault: float | None = None
        self.workload: Workload | None = None
        self.requests: RequestMaker | None = None
        self._feed: RequestFeed | None = None
        self.evse_ids: list[str] = []
        self._evse_index: dict[str, int] = {}
        self.station_count = 0
        self.interrupted = False
        #: Where the store's history stood when the run began (its last event's ``seq``; 0 on a
        #: fresh store): mixed into the seeds of the run's ids (:meth:`setup`).
        self.history = 0

    #: The service's ids are the simulator's own (:func:`simulation_service`'s), not a caller's.
    _own_ids = False

    @classmethod
    def for_database(cls, db: Database, config: SimConfig | None = None) -> Simulator:
        config = config or SimConfig()
        sim = cls(simulation_service(db, config), config)
        sim._own_ids = True
        return sim

    # ----------------------------------------------------------------- state
    @property
    def finished(self) -> bool:
        return self.clock.now() >= self.end

    @property
    def progress(self) -> float:
        return min(1.0, (self.clock.now() - self.start) / max(1, self.end - self.start))

    @property
    def stats(self) -> StepStats:
        """Totals since the start of the run."""
        return self._run.stats

    def request_stop(self) -> None:
        """Ask a running :meth:`step` or :meth:`run` to stop after the current tick."""
        self._stop.set()

    # ----------------------------------------------------------------- setup
    def setup(self) -> None:
        """Seed the station network if the store has none; load it and the workload."""
        if self._ready:
            return
        stations = self.service.stations()
        if not stations:
            c = self.config
            self.service.add_stations(
                generate_network(c.stations, seed=c.seed, center=c.center, radius_km=c.radius_km)
            )
            stations = self.service.stations()
        self.station_count = len(stations)
        # A second run of the same seed from the same start on this store would draw the ids of
        # the first one again (and fail on the unique index): a store with history seeds the
        # run's ids with it too. A fresh store's run is unchanged (deterministic for its seed).
        with self.service.reading() as conn:
            self.history = queries.last_event_seq(conn)
        if self.history and self._own_ids:
            self.service.ids = IdFactory(
                random.Random(f"sim:{self.config.seed}:ids:after-{self.history}")
            )
        self.evse_ids = sorted(e.id for s in stations for e in s.evses)
        self._evse_index = {e: k for k, e in enumerate(self.evse_ids)}
        self._down = {e.id for s in stations for e in s.evses if e.status.value != "available"}
        lat = sum(s.latitude for s in stations) / len(stations)
        lon = sum(s.longitude for s in stations) / len(stations)
        self.requests = RequestMaker(
            RequestSpec(
                self.config.workload(),
                stations,
                seed=self.config.seed,
                start=self.start,
                hours=self.config.hours,
                center=(lat, lon),
                radius_km=self.config.radius_km,
                service=self.service.config,
                history=self.history,
            )
        )
        self.workload = self.requests.workload
        self._next_fault = self._draw_fault_after(self.start)
        self._ready = True

    def _draw_fault_after(self, t: float) -> float | None:
        lam = self.config.fault_rate * len(self.evse_ids) / 86400
        if lam <= 0:
            return None
        return t + self._faults.expovariate(lam)

    # ----------------------------------------------------------------- running
    def step(self, until: int) -> StepStats:
        """Advance simulated time to ``until`` (at most the end of the run), one transaction per
        tick, processing everything due; returns what happened. Stops early after
        :meth:`request_stop`. Never sleeps, never blocks on input."""
        self.setup()
        out = StepStats()
        until = min(int(until), self.end)
        while self._next_tick <= until and not self._stop.is_set():
            out.add(self._tick(self._next_tick))
            self._next_tick += self.config.tick_seconds
        if not self._stop.is_set():
            self.clock.advance_to(until)
        out.sim_time = self.clock.now()
        return out

    def run(
        self,
        *,
        speed: float | None = None,
        on_progress: Callable[[Simulator], None] | None = None,
        progress_every: float = 1.0,
    ) -> StepStats:
        """Play the whole run (until :attr:`finished` or :meth:`request_stop`): as fast as
        possible, or at ``speed`` × real time. ``on_progress`` is called about every
        ``progress_every`` wall seconds."""
        self.setup()
        speed = speed if speed is not None else self.config.speed
        wall0 = time.monotonic()
        sim0 = self.clock.now()
        last_report = wall0
        with run_settings(), self._writing_behind():
            while not self.finished and not self._stop.is_set():
                self.step(min(self._next_tick, self.end))
                now_wall = time.monotonic()
                if on_progress is not None and now_wall - last_report >= progress_every:
                    on_progress(self)
                    last_report = now_wall
                if speed:
                    target = wall0 + (self.clock.now() - sim0) / speed
                    delay = target - time.monotonic()
                    if delay > 0:
                        self._stop.wait(delay)
        self.interrupted = self._stop.is_set() and not self.finished
        return self.stats

    def _writing_behind(self) -> contextlib.AbstractContextManager[None]:
        return writing_behind(self)

    # ----------------------------------------------------------------- one tick
    def _push(self, at: int, kind: int, key: str, expected: int = 0) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (at, kind, self._seq, key, expected))

    def _tick(self, t: int) -> StepStats:
        started = time.perf_counter()
        self.clock.advance_to(t)
        try:
            local = self._try_tick(t)
        except ChargeError as exc:
            if exc.code not in RETRYABLE or self._writer is not None:
                # (Writing behind, nothing here reads another writer's changes to retry on.)
                raise
            # Someone else (a dispatcher in the console) changed a reservation this tick touched:
            # nothing was written; play the tick again on what is in the store now.
            local = self._try_tick(t)
        # Committed: only now make the tick's effects part of the run's state.
        self._commit(local)
        local.stats.ticks = 1
        local.stats.sim_time = t
        local.stats.wall_seconds = time.perf_counter() - started
        self._run.stats.add(local.stats)
        return local.stats

    def _try_tick(self, t: int) -> TickWork:
        due: list[tuple[int, int, int, str, int]] = []
        while self._heap and self._heap[0][0] <= t:
            due.append(heapq.heappop(self._heap))
        due.sort(key=lambda x: (x[0], x[1], x[2]))
        arriving = self._prepared.pop(t, None)
        if arriving is None:
            arriving = self._prepare_arrivals(t)
        saved = (self._next_fault, self._faults.getstate())
        finish: Callable[[], None] | None = None
        try:
            with self.service.transaction() as uow:
                local = TickWork()
                self._scheduled(uow, due, local)
                self._faults_due(uow, t, local)
                self._arrivals(uow, arriving, local)
                engine_result = self.engine.run(uow)
                self._account(uow, local, engine_result)
                uow.flush()
                # The commit (leaving this block) runs in SQLite without Python's interpreter
                # lock: meanwhile a thread makes the next tick's requests.
                finish = self._prepare_next(t + self.config.tick_seconds)
        except BaseException:
            # Nothing of this tick was written: put back what it took off the schedule, its
            # requests (made once; a replay uses them again) and the fault draws it made, and
            # forget the engine's view of the network (a fault applied in this transaction was
            # rolled back with it).
            for item in due:
                heapq.heappush(self._heap, item)
            self._prepared[t] = arriving
            self._next_fault = saved[0]
            self._faults.setstate(saved[1])
            self.engine.invalidate_network()
            raise
        finally:
            if finish is not None:
                finish()
        return local

    def _prepare_arrivals(self, t: int) -> list[Made]:
        """The requests arriving by ``t`` (:class:`RequestMaker`), from the request process when
        the run has one. Reads nothing from the store."""
        if self._feed is not None:
            return self._feed.take(t)
        assert self.requests is not None
        # After a run whose request process made the ticks before this one (stopped early, and
        # played on): draw them again, to the same state, and drop them.
        self.requests.skip_to(t, self.config.tick_seconds)
        return self.requests.make(t)

    def _prepare_next(self, t: int) -> Callable[[], None] | None:
        """Start making the requests of the tick at ``t`` in a thread while this one commits;
        returns what waits for them (None when nothing commits here to overlap with, there is no
        such tick, or :attr:`overlap` is off). The tick's transaction has flushed and draws no
        more ids or workload numbers: the run is the same as without the thread."""
        if self._writer is not None or not self.overlap or t > self.end or t in self._prepared:
            return None
        wait = in_thread(lambda: self._prepare_arrivals(t), "charge-tui-sim-requests")

        def finish() -> None:
            self._prepared[t] = wait()

        return finish

    def _scheduled(self, uow: UnitOfWork, due: list, local: TickWork) -> None:
        # A driver's cancellation or arrival is for a reservation of this run; once the run has
        # seen it end (its fate forgotten) neither can do anything, so it is not even read.
        fates = self._fates
        rids = [key for _at, kind, _s, key, _e in due if kind != _RESTORE and key in fates]
        if rids:
            uow.preload(sorted(set(rids)))
        for _at, kind, _seq, key, expected in due:
            if kind == _RESTORE:
                if key in self._down:
                    self.engine.restore(uow, key)
                    local.restored.append(key)
                    local.stats.repairs += 1
                continue
            if key not in fates:
                continue
            r = uow.get(key)
            if kind == _CANCEL and driver_can_cancel(r, uow.now):
                uow.cancel(key, actor=ACTOR_DRIVER)
            elif (
                kind == _ARRIVE
                and r.status is Status.CONFIRMED
                and r.scheduled_start_time == expected
            ):
                uow.complete(key, actor=ACTOR_DRIVER)

    def _faults_due(self, uow: UnitOfWork, t: int, local: TickWork) -> None:
        while self._next_fault is not None and self._next_fault <= t:
            # An EVSE still up (not down, not faulted earlier in this tick), drawn uniformly in
            # id order, without building that list: skip the positions of the others.
            index = self._evse_index
            out = self._down.union(e for e, _repair in local.faulted)
            down = sorted(index[e] for e in out if e in index)
            n_up = len(self.evse_ids) - len(down)
            at = self._next_fault
            self._next_fault = self._draw_fault_after(at)
            if n_up <= 0:
                continue
            k = self._faults.randrange(n_up)
            for p in down:
                if p > k:
                    break
                k += 1
            evse = self.evse_ids[k]
            repair = self.config.repair_hours * 3600 * math.exp(self._faults.gauss(0, 0.6))
            self.engine.fault(uow, evse, local.engine)
            local.faulted.append((evse, int(at + max(600, repair))))

    def _arrivals(
        self,
        uow: UnitOfWork,
        arriving: list[tuple[Prepared | ChargeError, Fate]],
        local: TickWork,
    ) -> None:
        for made, fate in arriving:
            if isinstance(made, ChargeError):
                local.stats.rejected += 1
                continue
            r = uow.add_prepared(made, actor=ACTOR_DRIVER)
            local.created.append((r.id, fate))

    def _account(self, uow: UnitOfWork, local: TickWork, engine: TickResult) -> None:
        account(uow, local, engine, self._fates, self._clip)

    def _clip(self, start: int, end: int) -> int:
        return max(0, min(end, self.end) - max(start, self.start))

    def _commit(self, local: TickWork) -> None:
        for rid, fate in local.created:
            self._mine.add(rid)
            self._fates[rid] = fate
            if fate.cancel_at is not None:
                self._push(fate.cancel_at, _CANCEL, rid)
        for rid in self._run.apply(local, self._mine):
            self._fates.pop(rid, None)
        for at, rid, expected in local.arrivals:
            self._push(at, _ARRIVE, rid, expected)
        for evse, repair_at in local.faulted:
            self._down.add(evse)
            self._push(repair_at, _RESTORE, evse)
        for evse in local.restored:
            self._down.discard(evse)

    # ----------------------------------------------------------------- results
    def kpis(self) -> dict[str, Any]:
        """The KPI summary of SPEC §6 for what has run so far (plain JSON-able dict)."""
        currency = "usd"
        if self.workload is not None and self.workload.stations:
            currency = self.workload.stations[0].pricing.currency
        return summary(
            self._run,
            seed=self.config.seed,
            start=self.start,
            end=self.end,
            now=self.clock.now(),
            interrupted=self.interrupted,
            stations=self.station_count,
            evses=len(self.evse_ids),
            currency=currency,
        )
