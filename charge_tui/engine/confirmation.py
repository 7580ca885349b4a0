"""The confirmation engine: works through what is due on the store, one bounded batch per tick.

A tick is one transaction through the service's :class:`UnitOfWork`: no-shows expire, due pending
reservations are assigned together (:func:`charge_tui.engine.assign.assign`), then charged and
confirmed, retried later or failed; :meth:`ConfirmationEngine.fault` moves or fails what an EVSE
fault touches. Work is found through the ``(status, next_check_at)`` index, free slots through the
``(evse, scheduled_start_time)`` index plus the transaction's own bookings. A lost race rolls the
tick back whole (``concurrent_update``); it is played again next tick. docs/design.md says more.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace

from charge_tui.domain.enums import EvseStatus, FailureReason, Status
from charge_tui.domain.errors import (
    CONCURRENT_UPDATE,
    PAYMENT_FAILED,
    SLOT_UNAVAILABLE,
    UNEXPECTED_STATE,
    ChargeError,
    StoreUnavailable,
)
from charge_tui.domain.machine import Assignment
from charge_tui.domain.model import Reservation
from charge_tui.engine.assign import Placement, Request, assign, check_placements
from charge_tui.engine.defaults import DEFAULT_LIMIT, DEFAULT_RETRY_INTERVAL
from charge_tui.engine.heldcache import HeldCache
from charge_tui.engine.netindex import NetworkIndex, OptionCursor
from charge_tui.engine.tickresult import TickResult
from charge_tui.service import ReservationService, UnitOfWork
from charge_tui.store import queries

#: Errors after which a tick is simply played again: nothing was written, the store moved on.
RETRYABLE = frozenset({CONCURRENT_UPDATE, SLOT_UNAVAILABLE})
#: How many assignment rounds a tick runs when declined payments free slots for the others.
MAX_ROUNDS = 3
#: The first assignment round looks at each request's nearest EVSEs only (then widens).
DEFAULT_OPTION_WINDOW = 24


class ConfirmationEngine:
    """Confirms, fails and expires what is due; see the module docstring.

    ``confirm_lead``: seconds before ``earliest_start_time`` at which a reservation falls due. The
    lead is written into each reservation's queue entry when it is created, so it belongs to the
    service: by default the engine uses the service's, and a different value is set on the
    service it is given (reservations created through it then use it too).
    ``strategy``: ``"batch"`` (assign the due reservations together) or ``"fcfs"`` (one by one, in
    queue order; the baseline the batch strategy is measured against).
    """

    def __init__(
        self,
        service: ReservationService,
        *,
        confirm_lead: int | None = None,
        limit: int = DEFAULT_LIMIT,
        retry_interval: int = DEFAULT_RETRY_INTERVAL,
        strategy: str = "batch",
        actor: str = "engine",
        option_window: int = DEFAULT_OPTION_WINDOW,
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        if retry_interval < 1:
            raise ValueError("retry_interval must be at least 1 second")
        if strategy not in ("batch", "fcfs"):
            raise ValueError("strategy must be 'batch' or 'fcfs'")
        self.service = service
        if confirm_lead is not None and confirm_lead != service.config.confirm_lead:
            service.config = replace(service.config, confirm_lead=int(confirm_lead))
        self.limit = limit
        self.retry_interval = retry_interval
        self.strategy = strategy
        self.actor = actor
        self.option_window = max(1, option_window)
        self._network: NetworkIndex | None = None
        self._signature: tuple | None = None
        # The unit of work (transaction) in which the signature was last checked.
        self._checked_in: UnitOfWork | None = None
        # Candidate EVSEs of the reservations waiting for a retry (dropped when an EVSE in their
        # area changes status, all of them when the network is reloaded): a retry does not
        # recompute them.
        self._options: dict[str, OptionCursor] = {}
        # Held slots per EVSE, kept between this engine's transactions (SQLite; see heldcache).
        self.held_cache = HeldCache(service.db)

    @property
    def confirm_lead(self) -> int:
        return self.service.config.confirm_lead

    # ----------------------------------------------------------------- ticks
    def tick(self) -> TickResult:
        """One transaction: everything due now (up to ``limit`` per queue)."""
        started = time.perf_counter()
        try:
            with self.service.transaction() as uow:
                result = self.run(uow)
        except ChargeError as exc:
            if exc.code not in RETRYABLE:
                raise
            # Someone changed a reservation we touched, or (PostgreSQL) another engine committed
            # an overlapping slot first and the exclusion constraint refused ours: nothing was
            # written; the next tick retries on what is in the store then.
            self._network = None
            result = TickResult(now=self.service.clock.now(), conflicts=1)
        result.seconds = time.perf_counter() - started
        return result

    def run(self, uow: UnitOfWork) -> TickResult:
        """The work of one tick inside the caller's transaction (the simulator composes it with
        its own writes, which the engine sees: reservations created earlier in the transaction
        and already due are handled in the same tick)."""
        now = uow.now
        result = TickResult(now=now)
        self._refresh_network(uow)
        if uow.detached:
            self.held_cache.prune(now)
        self._no_shows(uow, result)
        self._confirmations(uow, result)
        return result

    def run_forever(
        self,
        interval: float,
        stop: threading.Event,
        on_tick: Callable[[TickResult], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> TickResult:
        """Tick every ``interval`` seconds (at once again while the queue has more) until ``stop``
        is set; a store that is briefly unavailable is reported and retried."""
        total = TickResult()
        while not stop.is_set():
            try:
                r = self.tick()
            except StoreUnavailable as exc:
                if on_error is not None:
                    on_error(exc)
                stop.wait(interval)
                continue
            total.add(r)
            if on_tick is not None:
                on_tick(r)
            if not r.more:
                stop.wait(interval)
        return total

    # ----------------------------------------------------------------- network
    def invalidate_network(self) -> None:
        """Forget the network (and the candidates computed from it); reloaded next tick."""
        self._network = None
        self._signature = None
        self._checked_in = None
        self._options.clear()
        self.held_cache.clear()

    def network(self, uow: UnitOfWork) -> NetworkIndex:
        self._refresh_network(uow)
        assert self._network is not None
        return self._network

    def _refresh_network(self, uow: UnitOfWork) -> None:
        if self._network is not None and self._serialised(uow):
            # Checked earlier in this same SQLite write transaction: no one else can have
            # changed the network since (we hold the write lock), and our own changes are applied
            # to the index by ``_network_changed``.
            return
        if self._network is not None and self.held_cache.begin(uow) and self.held_cache.continued:
            # Nothing but this engine's own transactions, which kept the index current, wrote
            # since the last one (the held-slot cache's check, SQLite): no need to look.
            self._checked_in = uow
            return
        sig = queries.network_signature(uow.conn)
        if self._network is None or sig != self._signature:
            self._network = NetworkIndex.load(uow.conn)
            self._signature = sig
            self._options.clear()
        self._checked_in = uow

    def _serialised(self, uow: UnitOfWork) -> bool:
        return self._checked_in is uow and uow.conn.dialect.name == "sqlite"

    # ----------------------------------------------------------------- faults
    def fault(self, uow: UnitOfWork, evse_id: str, result: TickResult | None = None) -> list:
        """Take ``evse_id`` out of order: each confirmed reservation on it that has not ended moves
        to another free slot (stays confirmed, ``reservation.reassigned``) or fails with
        ``other``."""
        self._refresh_network(uow)
        network = self._network
        assert network is not None
        held = None
        if uow.detached:
            cache = self.service.reservation_cache
            assert cache is not None
            held = lambda e, now: self.held_cache.on_evse(e, now, cache.rows)  # noqa: E731
        touched = uow.fault_evse(
            evse_id,
            actor=self.actor,
            candidates=lambda r: network.candidates(r.service_area, r.connector_types),
            held=held,
            source=self.held_cache.held if self.held_cache.begin(uow) else None,
        )
        self._network_changed(uow, evse_id, EvseStatus.OUT_OF_ORDER)
        if result is not None:
            result.faults += 1
            for r in touched:
                if r.status is Status.CONFIRMED:
                    result.reassigned += 1
                elif r.status is Status.FAILED:
                    result.failed_other += 1
        return touched

    def restore(self, uow: UnitOfWork, evse_id: str) -> None:
        """Put ``evse_id`` back in service."""
        self._refresh_network(uow)
        uow.restore_evse(evse_id)
        self._network_changed(uow, evse_id, EvseStatus.AVAILABLE)

    def _network_changed(self, uow: UnitOfWork, evse_id: str, status: EvseStatus) -> None:
        # The index was current when this transaction read it: applying our own change keeps it
        # current without reloading the whole network, unless the store shows another change.
        assert self._network is not None and self._signature is not None
        self._network.set_status(evse_id, status)
        n_stations, n_evses, down = self._signature
        others = tuple(x for x in down if x[0] != evse_id)
        if status is not EvseStatus.AVAILABLE:
            others = tuple(sorted((*others, (evse_id, status.value))))
        expected = (n_stations, n_evses, others)
        self._signature = expected if self._serialised(uow) else queries.network_signature(uow.conn)
        if self._signature != expected:
            self._network = None
            self._options.clear()
            return
        # Only the requests whose area holds the EVSE's station now see another network (a
        # simulated day faults and repairs a few EVSEs every tick, each far from most areas).
        station = self._network.by_evse[evse_id][0]
        stale = [rid for rid, cursor in self._options.items() if cursor.may_reach(station)]
        for rid in stale:
            del self._options[rid]

    # ----------------------------------------------------------------- queues
    def _due(self, uow: UnitOfWork, status: Status, result: TickResult) -> list[Reservation]:
        """Due reservations of one queue, oldest first, at most ``limit``: from the store's index,
        plus those this transaction changed or created and has not flushed (as this transaction
        sees them)."""
        now = uow.now
        if uow.detached:
            cache = self.service.reservation_cache
            assert cache is not None
            ids = cache.due_ids(status, now, self.limit)
        else:
            ids = queries.due_ids(uow.conn, status, now, self.limit)
        found = uow.preload(ids)
        seen = {r.id for r in found}
        found += [
            r
            for r in uow.unflushed()
            if r.id not in seen
            and r.status is status
            and r.next_check_at is not None
            and r.next_check_at <= now
        ]
        found.sort(key=lambda r: (r.next_check_at if r.next_check_at is not None else now, r.id))
        result.due += min(len(found), self.limit)
        result.more = result.more or len(found) > self.limit or len(ids) >= self.limit
        return found[: self.limit]

    def _no_shows(self, uow: UnitOfWork, result: TickResult) -> None:
        now = uow.now
        for r in self._due(uow, Status.CONFIRMED, result):
            if r.status is not Status.CONFIRMED or r.next_check_at is None or r.next_check_at > now:
                result.skipped += 1
                continue
            assert r.scheduled_start_time is not None
            deadline = r.scheduled_start_time + r.cancellation_policy.grace_period_seconds
            if now >= deadline:
                uow.expire(r.id, actor=self.actor)
                result.no_shows += 1
            else:
                uow.set_next_check(r.id, deadline)
                result.skipped += 1

    def _confirmations(self, uow: UnitOfWork, result: TickResult) -> None:
        now = uow.now
        network = self._network
        assert network is not None
        batch: list[tuple[Reservation, Request, OptionCursor]] = []
        for r in self._due(uow, Status.PENDING, result):
            if r.status is not Status.PENDING or r.next_check_at is None or r.next_check_at > now:
                result.skipped += 1
                continue
            if now >= r.latest_end_time:
                uow.expire(r.id, actor=self.actor)
                result.expired += 1
                continue
            if now > r.latest_end_time - r.duration:
                self._fail(uow, r, FailureReason.NO_AVAILABLE_CONNECTORS, result)
                continue
            cursor = self._options.get(r.id)
            if cursor is None:
                cursor = OptionCursor(network, r.service_area, r.connector_types)
                if not cursor.take(1) and not network.candidates(
                    r.service_area, r.connector_types, available_only=False
                ):
                    # No EVSE at all in the area with an acceptable connector: waiting cannot help.
                    self._fail(uow, r, FailureReason.NO_AVAILABLE_CONNECTORS, result)
                    continue
            req = Request(
                id=r.id,
                lo=max(r.earliest_start_time, now),
                hi=r.latest_end_time,
                duration=r.duration,
                preferred=r.preferred_start_time,
                options=(),
                rank=len(batch),
            )
            batch.append((r, req, cursor))
        pending = batch
        for _round in range(MAX_ROUNDS):
            if not pending:
                break
            placements = self._assign(uow, [(req, cur) for _r, req, cur in pending])
            unplaced: list[tuple[Reservation, Request, OptionCursor]] = []
            freed = False
            for r, req, cur in pending:
                p = placements.get(req.id)
                if p is None:
                    unplaced.append((r, req, cur))
                    continue
                if self._confirm(uow, r, p, network, result):
                    continue
                freed = True
            pending = unplaced
            if not freed:
                break
        waiting: dict[str, OptionCursor] = {}
        for r, _req, cur in pending:
            last_chance = r.latest_end_time - r.duration
            if now >= last_chance:
                self._fail(uow, r, FailureReason.NO_AVAILABLE_CONNECTORS, result)
            else:
                uow.set_next_check(r.id, min(now + self.retry_interval, last_chance))
                result.retried += 1
                waiting[r.id] = cur
        # Keep the candidates of those retried in this tick (bounded by the number of
        # reservations waiting for a retry).
        self._options.update(waiting)
        for r, _req, _cur in batch:
            if r.id not in waiting:
                self._options.pop(r.id, None)

    def _assign(
        self, uow: UnitOfWork, batch: list[tuple[Request, OptionCursor]]
    ) -> dict[str, Placement]:
        """Placements for the batch, in widening rounds: first among each request's nearest
        ``option_window`` EVSEs, then, for those left without a slot (or with one away from their
        preferred start), four times as many, and so on up to all of them, so a free slot
        anywhere in the area is always found. Held slots are read once per EVSE, only for the
        EVSEs a round looks at."""
        batch = [(req, cur) for req, cur in batch if cur.take(1)]
        if not batch:
            return {}
        lo = min(req.lo for req, _c in batch)
        hi = max(req.hi for req, _c in batch)
        held: dict[str, list[tuple[int, int]]] = {}
        source = self.held_cache.held if self.held_cache.begin(uow) else None
        placements: dict[str, Placement] = {}
        width = self.option_window
        todo = batch
        while todo:
            round_reqs = [
                Request(
                    req.id, req.lo, req.hi, req.duration, req.preferred, cur.take(width), req.rank
                )
                for req, cur in todo
            ]
            evses = {e for req in round_reqs for e, _d in req.options}
            needed = sorted(evses - held.keys())
            if needed:
                held.update(uow.busy(needed, lo, hi, source=source))
            # ``assign`` does not change the lists it is given: share them, copying only those
            # that this tick's earlier rounds placed something on.
            busy = {e: held[e] for e in evses}
            for p in placements.values():
                if p.evse in busy:
                    busy[p.evse] = [*busy[p.evse], (p.start, p.end)]
            found = assign(round_reqs, busy, strategy=self.strategy)
            errors = check_placements(round_reqs, busy, found)
            if errors:  # a bug in the assignment: write nothing (the tick rolls back)
                raise RuntimeError(
                    "engine produced an invalid assignment: " + "; ".join(errors[:5])
                )
            # Final: at the preferred start itself (no EVSE farther away can do better), or found
            # among all the request's options. Others look again among more EVSEs: a farther one
            # may be free closer to the preferred start, which ranks first (SPEC §5).
            nxt = []
            for r, cur in todo:
                p = found.get(r.id)
                if p is not None and p.start == r.preferred:
                    placements[r.id] = p
                elif cur.complete_within(width):
                    if p is not None:
                        placements[r.id] = p
                else:
                    nxt.append((r, cur))
            todo = nxt
            width *= 4
        return placements

    def _confirm(
        self,
        uow: UnitOfWork,
        r: Reservation,
        p: Placement,
        network: NetworkIndex,
        result: TickResult,
    ) -> bool:
        """Charge and confirm; False when the payment was declined (the reservation failed)."""
        station, evse = network.by_evse[p.evse]
        a = Assignment(station, evse, p.start, p.end)
        try:
            uow.confirm(r.id, assignment=a, actor=self.actor)
        except ChargeError as exc:
            if exc.code == PAYMENT_FAILED:
                self._fail(uow, r, FailureReason.PAYMENT_FAILED, result)
                return False
            if exc.code == UNEXPECTED_STATE:
                # The state machine refused this slot for this reservation (data the engine
                # cannot repair). Fail it with ``other`` rather than stall the whole queue.
                self._fail(uow, r, FailureReason.OTHER, result)
                return False
            raise
        result.confirmed += 1
        return True

    def _fail(
        self, uow: UnitOfWork, r: Reservation, reason: FailureReason, result: TickResult
    ) -> None:
        uow.fail(r.id, reason, actor=self.actor)
        if reason is FailureReason.PAYMENT_FAILED:
            result.failed_payment += 1
        elif reason is FailureReason.NO_AVAILABLE_CONNECTORS:
            result.failed_no_connectors += 1
        else:
            result.failed_other += 1
