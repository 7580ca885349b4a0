"""The service facade: each call is one transaction on the store.

The console, the CLI, the engine and the simulator all write through this class (or through the
:class:`UnitOfWork` it hands out for a batch). Reads return immutable domain objects.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from charge_tui.domain import machine
from charge_tui.domain.board import FaultOutcome, SlotOption
from charge_tui.domain.clock import Clock, clock_from_env
from charge_tui.domain.enums import Action, FailureReason, Status
from charge_tui.domain.errors import (
    PARAMETER_INVALID,
    ChargeError,
)
from charge_tui.domain.ids import IdFactory
from charge_tui.domain.model import Event, Reservation, Station
from charge_tui.domain.payments import Authorizer, TestModeAuthorizer
from charge_tui.service import faults
from charge_tui.service.ownwrites import ReservationCache
from charge_tui.service.uow import NO_STORE, ServiceConfig, UnitOfWork
from charge_tui.store import failures, listing, queries
from charge_tui.store.db import Connection, Database
from charge_tui.store.listquery import ListQuery
from charge_tui.store.queries import Page
from charge_tui.store.writebehind import Statement, WriteBehind

T = TypeVar("T")


class _RollBack(Exception):
    """Raised inside a transaction to undo it on purpose (a preview), carrying its result."""

    def __init__(self, outcome: FaultOutcome) -> None:
        super().__init__()
        self.outcome = outcome


#: deadlock_detected, serialization_failure, lock_not_available: a retry can succeed.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001", "55P03"})


class ReservationService:
    def __init__(
        self,
        db: Database,
        *,
        clock: Clock | None = None,
        authorizer: Authorizer | None = None,
        ids: IdFactory | None = None,
        config: ServiceConfig | None = None,
    ) -> None:
        self.db = db
        self.clock = clock or clock_from_env()
        self.authorizer = authorizer or TestModeAuthorizer()
        self.ids = ids or IdFactory()
        self.config = config or ServiceConfig()
        #: Set (the simulator does) to keep the reservations of this service's transactions for
        #: the next ones (:class:`charge_tui.service.ownwrites.ReservationCache`).
        self.reservation_cache: ReservationCache | None = None
        #: Set (the simulator does, for a run that keeps the store's state in memory) to hand
        #: each transaction's writes to a writer process instead of running them here: then
        #: :meth:`transaction` yields a *detached* unit of work (see :class:`UnitOfWork`).
        self.write_behind: WriteBehind | None = None

    # ------------------------------------------------------------ transactions
    @contextlib.contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        """One write transaction; everything buffered in the unit of work is flushed at the end,
        or nothing at all if anything raises.

        With :attr:`write_behind` set, the unit of work is detached: its writes are handed to the
        writer process (which commits them, in order, or stops at the first it cannot: a later
        call raises :class:`WriteBehindStopped`), and the hooks run as once committed."""
        if self.write_behind is not None:
            statements: list[Statement] = []
            detached = self._unit_of_work(NO_STORE, statements=statements)
            yield detached
            detached.flush()
            self.write_behind.submit(detached.now, statements)
            for hook in detached.after_commit:
                hook(detached)
            return
        with failures.write_errors(self.db.url), self.db.write() as conn:
            uow = self._unit_of_work(conn, supports_multi_rowcount=self.db.supports_multi_rowcount)
            yield uow
            uow.flush()
        for hook in uow.after_commit:
            hook(uow)

    def _unit_of_work(
        self,
        conn: Any,
        *,
        supports_multi_rowcount: bool = True,
        statements: list[Statement] | None = None,
    ) -> UnitOfWork:
        """A unit of work at the clock's time on ``conn``, checked against the reservation cache
        (if this service keeps one)."""
        uow = UnitOfWork(
            conn,
            now=self.clock.now(),
            ids=self.ids,
            authorizer=self.authorizer,
            config=self.config,
            supports_multi_rowcount=supports_multi_rowcount,
            statements=statements,
        )
        if self.reservation_cache is not None:
            self.reservation_cache.begin(uow)
        return uow

    def _write(self, fn: Callable[[UnitOfWork], T]) -> T:
        with self.transaction() as uow:
            return fn(uow)

    @contextlib.contextmanager
    def reading(self, *, snapshot: bool = False) -> Iterator[Connection]:
        """A read transaction; a store that cannot be read raises ``StoreUnavailable``."""
        with failures.read_errors(self.db.url), self.db.read(snapshot=snapshot) as conn:
            yield conn

    # ------------------------------------------------------------------ writes
    def create(
        self, params: Any, *, idempotency_key: Any = None, actor: str = "dispatcher"
    ) -> Reservation:
        return self._write(lambda u: u.create(params, idempotency_key=idempotency_key, actor=actor))

    def confirm(
        self,
        rid: str,
        *,
        actor: str = "dispatcher",
        evse_id: str | None = None,
        start: int | None = None,
        expected_version: int | None = None,
    ) -> Reservation:
        """Assign the best slot (or the EVSE/start given), authorize the fee, confirm."""
        return self._write(
            lambda u: u.confirm(
                rid, actor=actor, evse_id=evse_id, start=start, expected_version=expected_version
            )
        )

    def reassign(
        self,
        rid: str,
        *,
        actor: str = "dispatcher",
        evse_id: str | None = None,
        start: int | None = None,
        expected_version: int | None = None,
    ) -> Reservation:
        """Move a confirmed reservation to another slot (another EVSE unless one is given)."""
        return self._write(
            lambda u: u.reassign(
                rid, actor=actor, evse_id=evse_id, start=start, expected_version=expected_version
            )
        )

    def cancel(
        self, rid: str, *, actor: str = "dispatcher", expected_version: int | None = None
    ) -> Reservation:
        return self._write(lambda u: u.cancel(rid, actor=actor, expected_version=expected_version))

    def complete(
        self, rid: str, *, actor: str = "dispatcher", expected_version: int | None = None
    ) -> Reservation:
        return self._write(
            lambda u: u.complete(rid, actor=actor, expected_version=expected_version)
        )

    def expire(
        self, rid: str, *, actor: str = "dispatcher", expected_version: int | None = None
    ) -> Reservation:
        return self._write(lambda u: u.expire(rid, actor=actor, expected_version=expected_version))

    def fail(
        self,
        rid: str,
        reason: FailureReason | str,
        *,
        actor: str = "dispatcher",
        expected_version: int | None = None,
    ) -> Reservation:
        return self._write(
            lambda u: u.fail(rid, reason, actor=actor, expected_version=expected_version)
        )

    def act(
        self,
        rid: str,
        action: Action | str,
        *,
        actor: str = "dispatcher",
        expected_version: int | None = None,
        reason: FailureReason | str | None = None,
        evse_id: str | None = None,
        start: int | None = None,
    ) -> Reservation:
        """Any action by name (the console's and the CLI's dispatcher): ``reason`` is for fail,
        ``evse_id``/``start`` for confirm and reassign (the best slot when not given)."""
        action = Action(action)
        version = expected_version
        if action is Action.FAIL:
            return self.fail(
                rid, reason or FailureReason.OTHER, actor=actor, expected_version=version
            )
        if action in (Action.CONFIRM, Action.REASSIGN):
            method = self.confirm if action is Action.CONFIRM else self.reassign
            return method(rid, actor=actor, evse_id=evse_id, start=start, expected_version=version)
        simple = {
            Action.CANCEL: self.cancel,
            Action.COMPLETE: self.complete,
            Action.EXPIRE: self.expire,
        }
        return simple[action](rid, actor=actor, expected_version=version)

    def fault_evse(self, evse_id: str, *, actor: str = "dispatcher") -> list[Reservation]:
        """Take an EVSE out of order (its confirmed reservations move or fail); the ones touched."""
        return [e.after for e in self.fault_outcome(evse_id, actor=actor).effects]

    def fault_outcome(
        self, evse_id: str, *, actor: str = "dispatcher", preview: bool = False
    ) -> FaultOutcome:
        """Fault an EVSE and say what it did to each reservation on it; with ``preview``, the
        same transaction rolled back: what it would do now, nothing written."""
        try:
            with self.transaction() as uow:
                outcome = faults.fault(uow, evse_id, actor=actor, applied=not preview)
                if preview:
                    raise _RollBack(outcome)
        except _RollBack as rolled_back:
            return rolled_back.outcome
        return outcome

    def restore_evse(self, evse_id: str) -> None:
        """Put an out-of-order EVSE back in service (``unexpected_state`` if it is not)."""
        self._write(lambda u: faults.restore(u, evse_id))

    def add_stations(self, stations: list[Station]) -> list[Station]:
        return self._write(lambda u: u.add_stations(stations))

    def slot_options(self, rid: str, *, limit: int = 50) -> list[SlotOption]:
        """The free slots ``rid`` could take now, best first (as ``confirm`` and ``reassign``
        rank them; a confirmed reservation's own EVSE is left out, as ``reassign`` does)."""
        with self.reading() as conn:
            uow = self._unit_of_work(conn)
            r = uow.get(rid)
            exclude = r.evse if r.status is Status.CONFIRMED else None
            return uow.ranked_slots(r, exclude_evse=exclude, limit=limit)

    # ------------------------------------------------------------------- reads
    def retrieve(self, rid: str) -> Reservation:
        with self.reading() as conn:
            return queries.require_reservation(conn, rid)

    def list(
        self,
        *,
        status: Status | str | None = None,
        limit: int = 10,
        starting_after: str | None = None,
        ending_before: str | None = None,
    ) -> Page:
        if status is not None:
            try:
                status = Status(status)
            except ValueError:
                allowed = ", ".join(s.value for s in Status)
                raise ChargeError(
                    PARAMETER_INVALID, f"status must be one of {allowed}.", "status"
                ) from None
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 100:
            raise ChargeError(PARAMETER_INVALID, "limit must be an integer from 1 to 100.", "limit")
        if starting_after is not None and ending_before is not None:
            raise ChargeError(
                PARAMETER_INVALID,
                "Use starting_after or ending_before, not both.",
                "ending_before",
            )
        with self.reading() as conn:
            return queries.list_page(
                conn,
                status=status,
                limit=limit,
                starting_after=starting_after,
                ending_before=ending_before,
            )

    @contextlib.contextmanager
    def view(self, q: ListQuery) -> Iterator[Iterator[Reservation]]:
        """Every reservation of the view ``q`` (filter, search, order), streamed by keyset from
        one state of the store (see :func:`charge_tui.store.listing.iter_view`)."""
        with self.reading(snapshot=True) as conn:
            yield listing.iter_view(conn, q)

    def events(self, rid: str) -> list[Event]:
        with self.reading() as conn:
            queries.require_reservation(conn, rid)
            return queries.events_for(conn, rid)

    def counts(self) -> dict[Status, int]:
        with self.reading() as conn:
            return queries.counts_by_status(conn)

    def stations(self) -> list[Station]:
        with self.reading() as conn:
            return queries.list_stations(conn)

    def allowed_actions(self, r: Reservation) -> list[Action]:
        return machine.allowed_actions(r, self.clock.now())
