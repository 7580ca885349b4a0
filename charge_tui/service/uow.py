"""A unit of work: the commands of one write transaction (create, the transitions, confirm and
reassign, EVSE faults), each read, checked by the state machine and buffered with its event.

Every write goes through a :class:`UnitOfWork`; the caller's transaction commits what
:meth:`~charge_tui.service.tracked.Tracked.flush` writes. On SQLite the transaction holds the write
lock from its first statement (``BEGIN IMMEDIATE``), so no other process can book between a slot
look-up and the write; on PostgreSQL the EVSEs looked at are row-locked (:meth:`busy`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from charge_tui.domain import machine
from charge_tui.domain.enums import Action, EvseStatus, FailureReason, Status
from charge_tui.domain.errors import (
    CONCURRENT_UPDATE,
    IDEMPOTENCY_KEY_REUSED,
    NO_AVAILABLE_CONNECTORS,
    PARAMETER_INVALID,
    PAYMENT_FAILED,
    ChargeError,
)
from charge_tui.domain.machine import Assignment
from charge_tui.domain.model import Evse, Reservation, Station
from charge_tui.domain.validation import check_depth, check_idempotency_key, is_lookup_id, missing
from charge_tui.service.prepare import Prepared, ServiceConfig, prepare_create, request_hash
from charge_tui.service.slots import SlotSearch
from charge_tui.service.tracked import NO_STORE, DetachedRead, HeldSource
from charge_tui.store import queries, writes

__all__ = [
    "NO_STORE",
    "DetachedRead",
    "Prepared",
    "ServiceConfig",
    "UnitOfWork",
    "prepare_create",
]


class UnitOfWork(SlotSearch):
    def create(
        self, params: Any, *, idempotency_key: Any = None, actor: str = "dispatcher"
    ) -> Reservation:
        key = check_idempotency_key(idempotency_key)
        check_depth(params)
        digest = request_hash(params) if key is not None else ""
        if key is not None:
            seen = self._idempotency.get(key)
            if seen is None:
                seen = queries.idempotency_seen(self.conn, key)
            if seen is not None:
                if seen[0] != digest:
                    raise ChargeError(
                        IDEMPOTENCY_KEY_REUSED,
                        "This idempotency key was already used with different parameters.",
                        "idempotency_key",
                    )
                return self.get(seen[1])
        r, event_id = prepare_create(params, self.now, self.ids, self.config)
        self._add_created(r, event_id, actor)
        if key is not None:
            self._idempotency[key] = (digest, r.id)
        return r

    def add_prepared(self, prepared: Prepared, *, actor: str) -> Reservation:
        """Buffer a reservation made by :func:`prepare_create` for this transaction's instant (the
        simulator prepares the next tick's requests while this one commits)."""
        r, event_id = prepared
        if r.created != self.now:
            raise ValueError(f"prepared for {r.created}, this transaction is at {self.now}")
        self._add_created(r, event_id, actor)
        return r

    def transition(
        self,
        reservation_id: str,
        action: Action,
        *,
        actor: str,
        reason: FailureReason | None = None,
        assignment: Assignment | None = None,
        expected_version: int | None = None,
    ) -> Reservation:
        r = self.get(reservation_id)
        self._check_version(r, expected_version)
        tr = machine.apply(r, action, self.now, assignment=assignment, reason=reason)
        return self._record(tr, actor)

    def _check_version(self, r: Reservation, expected_version: int | None) -> None:
        if expected_version is not None and expected_version != r.version:
            raise ChargeError(
                CONCURRENT_UPDATE,
                f"Reservation {r.id} changed since it was read (version {expected_version}, "
                f"now {r.version}); look again and retry.",
                "id",
            )

    def cancel(self, rid: str, *, actor: str = "dispatcher", expected_version: int | None = None):
        return self.transition(rid, Action.CANCEL, actor=actor, expected_version=expected_version)

    def complete(self, rid: str, *, actor: str = "dispatcher", expected_version: int | None = None):
        return self.transition(rid, Action.COMPLETE, actor=actor, expected_version=expected_version)

    def expire(self, rid: str, *, actor: str = "dispatcher", expected_version: int | None = None):
        return self.transition(rid, Action.EXPIRE, actor=actor, expected_version=expected_version)

    def fail(
        self,
        rid: str,
        reason: FailureReason | str,
        *,
        actor: str = "dispatcher",
        expected_version: int | None = None,
    ) -> Reservation:
        try:
            reason = FailureReason(reason)
        except ValueError:
            allowed = ", ".join(f.value for f in FailureReason)
            raise ChargeError(
                PARAMETER_INVALID, f"reason must be one of {allowed}, got {reason!r}.", "reason"
            ) from None
        return self.transition(
            rid, Action.FAIL, actor=actor, reason=reason, expected_version=expected_version
        )

    # ------------------------------------------------------------ slot search
    def confirm(
        self,
        rid: str,
        *,
        actor: str = "dispatcher",
        evse_id: str | None = None,
        start: int | None = None,
        assignment: Assignment | None = None,
        expected_version: int | None = None,
    ) -> Reservation:
        """Assign a slot (the best one, or the EVSE/start given), authorize the fee, confirm.

        No slot: ``no_available_connectors``; payment declined: ``payment_failed``; in both cases
        nothing changes (the engine decides whether that fails the reservation)."""
        r = self.get(rid)
        self._check_version(r, expected_version)
        self._precheck(r, Action.CONFIRM)
        if assignment is None:
            if evse_id is not None:
                assignment = self._explicit_assignment(r, evse_id, start)
            else:
                assignment = self.find_slot(r)
        if assignment is None:
            raise ChargeError(
                NO_AVAILABLE_CONNECTORS,
                "No EVSE in the service area with an acceptable connector is free for the "
                "requested duration inside the acceptable window.",
            )
        auth = self.authorizer.authorize(
            r.payment_method,
            assignment.station.pricing.reservation_fee,
            assignment.station.pricing.currency,
        )
        if not auth.approved:
            raise ChargeError(
                PAYMENT_FAILED,
                f"The reservation fee could not be charged ({auth.decline_code}).",
                "payment_method",
            )
        return self.transition(rid, Action.CONFIRM, actor=actor, assignment=assignment)

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
        r = self.get(rid)
        self._check_version(r, expected_version)
        self._precheck(r, Action.REASSIGN)
        if evse_id is not None:
            a = self._explicit_assignment(r, evse_id, start)
        else:
            a = self.find_slot(r, exclude_evse=r.evse)
        if a is None:
            raise ChargeError(
                NO_AVAILABLE_CONNECTORS, "No other free slot fits this reservation.", None
            )
        return self.transition(rid, Action.REASSIGN, actor=actor, assignment=a)

    def fault_evse(
        self,
        evse_id: str,
        *,
        actor: str = "engine",
        candidates: Callable[[Reservation], list[tuple[Station, Evse, float]]] | None = None,
        held: Callable[[str, int], list[str]] | None = None,
        source: HeldSource | None = None,
    ) -> list[Reservation]:
        """Take an EVSE out of order; move each confirmed reservation on it that has not ended to
        another free slot, or fail it with ``other``. Returns the reservations touched.
        ``candidates``: where a moved reservation's candidate EVSEs come from, instead of the
        store's query (the engine's copy of the network, which answers the same); ``held``:
        likewise for :func:`queries.held_on_evse` (``(evse_id, now) -> ids``); ``source``: the
        held slots, as for :meth:`busy`."""
        self._set_evse_status(evse_id, EvseStatus.OUT_OF_ORDER)
        if held is not None:
            affected_ids = held(evse_id, self.now)
        else:
            affected_ids = queries.held_on_evse(self.conn, evse_id, self.now)
        affected_ids += [
            rid
            for rid, (_s, e) in self._held.get(evse_id, {}).items()
            if e > self.now and rid not in affected_ids
        ]
        out = []
        for rid in sorted(affected_ids, key=lambda i: (self.get(i).scheduled_start_time, i)):
            r = self.get(rid)
            if r.status is not Status.CONFIRMED or r.evse != evse_id:
                continue
            cands = candidates(r) if candidates is not None else None
            a = self.find_slot(r, exclude_evse=evse_id, candidates=cands, source=source)
            if a is not None and r.scheduled_end_time and self.now < r.scheduled_end_time:
                out.append(self.transition(rid, Action.REASSIGN, actor=actor, assignment=a))
            else:
                out.append(
                    self.transition(rid, Action.FAIL, actor=actor, reason=FailureReason.OTHER)
                )
        return out

    def restore_evse(self, evse_id: str) -> None:
        self._set_evse_status(evse_id, EvseStatus.AVAILABLE)

    def _set_evse_status(self, evse_id: str, status: EvseStatus) -> None:
        """One statement, which also tells whether the EVSE exists (nothing changes if not)."""
        if not is_lookup_id(evse_id):
            raise missing("EVSE", evse_id, "evse")
        if self.statements is not None:
            # The writer checks that it changed exactly one row (the EVSE exists).
            self.statements.append((writes.SET_EVSE_STATUS_SQL, [(status.value, evse_id)], 1))
            return
        if writes.set_evse_status(self.conn, evse_id, status) != 1:
            raise missing("EVSE", evse_id, "evse")

    def add_stations(self, stations: Sequence[Station]) -> list[Station]:
        """Insert stations and their EVSEs; stations whose id already exists are skipped."""
        return writes.insert_stations(self.conn, stations, self.now)
