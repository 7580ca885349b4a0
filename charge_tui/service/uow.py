"""A unit of work: every write of one transaction, buffered and flushed with ``executemany``.

All writes go through :class:`UnitOfWork`. Each operation reads the current state (from this
transaction's buffer first, then the store), asks the state machine for the transition, and buffers
the new row and its event. :meth:`flush` writes them with ``executemany`` (insert reservations,
update reservations with a version check, insert events); the caller's transaction commits them.

Slot look-ups see the slots booked or released earlier in the same transaction (an in-memory
overlay), so a tick of the engine can confirm thousands of reservations without a flush between
them. On SQLite the transaction holds the write lock from its first statement (``BEGIN IMMEDIATE``),
so no other process can book between our look-up and our write.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from charge_tui.domain import machine
from charge_tui.domain.codec import RESERVATION
from charge_tui.domain.enums import (
    SLOT_HOLDING,
    Action,
    EventType,
    EvseStatus,
    FailureReason,
    Status,
)
from charge_tui.domain.errors import (
    CONCURRENT_UPDATE,
    IDEMPOTENCY_KEY_REUSED,
    NO_AVAILABLE_CONNECTORS,
    PARAMETER_INVALID,
    PAYMENT_FAILED,
    SLOT_UNAVAILABLE,
    UNEXPECTED_STATE,
    ChargeError,
)
from charge_tui.domain.ids import IdFactory
from charge_tui.domain.machine import Assignment, Transition
from charge_tui.domain.model import Event, Evse, Pricing, Reservation, Station, evolve
from charge_tui.domain.payments import Authorizer
from charge_tui.domain.slots import best_start, overlaps
from charge_tui.domain.validation import (
    check_depth,
    check_idempotency_key,
    is_lookup_id,
    missing,
    validate_create,
)
from charge_tui.store import queries
from charge_tui.store import tables as t
from charge_tui.store.mapping import (
    EVENT_COLUMNS,
    event_to_row,
    event_values,
    evse_to_row,
    station_to_row,
)
from charge_tui.store.writebehind import Statement

R = t.reservations
#: ``(conn, evse_ids, lo, hi) -> {evse: [(start, end, reservation id)]}``, the held slots of the
#: store overlapping ``[lo, hi)`` (what :func:`queries.busy_intervals_with_ids` returns; an EVSE
#: without any may be left out).
HeldSource = Callable[[Connection, Sequence[str], int, int], dict[str, list[tuple[int, int, str]]]]


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    confirm_lead: int = machine.DEFAULT_CONFIRM_LEAD
    default_pricing: Pricing = Pricing()


def request_hash(params: Any) -> str:
    """A digest of the parameters as given (what an idempotency key is held to)."""
    try:
        blob = json.dumps(params, sort_keys=True, separators=(",", ":"), default=repr)
    except (TypeError, ValueError):  # keys of mixed types; an int too long to write out
        blob = repr(params)
    return hashlib.sha256(blob.encode("utf-8", "backslashreplace")).hexdigest()


#: A new reservation and the id of its creation event, made by :func:`prepare_create`.
Prepared = tuple[Reservation, str]


class DetachedRead(RuntimeError):
    """A detached unit of work (see :class:`UnitOfWork`) was asked for something only the store
    knows: whoever detached it promised to answer every read from memory."""


class _NoStore:
    """The connection of a detached unit of work: it says it is SQLite (a single writer, as the
    write-behind store is) and refuses everything else."""

    class dialect:  # noqa: N801 - mirrors ``Connection.dialect``
        name = "sqlite"

    def __getattr__(self, name: str) -> Any:
        raise DetachedRead(f"a detached unit of work cannot use the store ({name})")


NO_STORE: Any = _NoStore()


def prepare_create(params: Any, now: int, ids: IdFactory, config: ServiceConfig) -> Prepared:
    """What :meth:`UnitOfWork.create` makes of ``params`` at ``now``, without a transaction:
    validated (a :class:`ChargeError` of SPEC §2 if not), the pending reservation and its creation
    event's id (drawn in that order, as ``create`` does). Reads nothing from the store."""
    p = validate_create(params, now)
    r = machine.create(
        p,
        ids.reservation(now),
        now,
        pricing=config.default_pricing,
        confirm_lead=config.confirm_lead,
    )
    return r, ids.event(now)


class UnitOfWork:
    def __init__(
        self,
        conn: Connection,
        *,
        now: int,
        ids: IdFactory,
        authorizer: Authorizer,
        config: ServiceConfig,
        supports_multi_rowcount: bool = True,
        statements: list[Statement] | None = None,
    ) -> None:
        """``statements`` makes a *detached* unit of work (``conn`` is then :data:`NO_STORE`):
        it reads nothing from the store (every reservation it needs is in :attr:`known`, held
        slots and held reservations come from the ``source``/``held`` its caller gives) and
        :meth:`flush` appends its writes to ``statements`` instead of running them, for a
        :class:`charge_tui.store.writebehind.WriteBehind` to commit."""
        self.conn = conn
        self.statements = statements
        self.detached = statements is not None
        self.now = now
        self.ids = ids
        self.authorizer = authorizer
        self.config = config
        self._multi_rowcount = supports_multi_rowcount
        self._cache: dict[str, Reservation] = {}
        # Each reservation as the store holds it (read, or written by the last flush).
        self._loaded: dict[str, Reservation] = {}
        self._inserted: set[str] = set()
        self._dirty: set[str] = set()
        self._events: list[Event] = []
        self._idempotency: dict[str, tuple[str, str]] = {}
        # Slots held by reservations touched in this transaction, per EVSE: rid -> (start, end).
        self._held: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
        self.transitions: list[Transition] = []
        self._locked_evses: set[str] = set()
        #: Called, in order, once the transaction has committed (never after a rollback).
        self.after_commit: list[Callable[[UnitOfWork], None]] = []
        #: Reservations as the store holds them, kept from earlier transactions of this process
        #: (:class:`charge_tui.service.ownwrites.ReservationCache`): read before the store.
        self.known: dict[str, Reservation] | None = None
        #: Reservations found in :attr:`known` (not read from the store).
        self.known_hits = 0
        self._token: tuple[Any, int, int] | None = None

    def store_token(self, commits: int) -> tuple[Any, int, int] | None:
        """``(sqlite3 connection, PRAGMA data_version, commits)`` at the start of this transaction
        (read once; ``commits``: the ``Database``'s counter, given by the first caller), what a
        cache kept between transactions compares with the store it last saw; None on other back
        ends."""
        if self._token is None:
            raw = queries.sqlite_driver(self.conn)
            if raw is None:
                return None
            self._token = (raw, raw.execute("PRAGMA data_version").fetchone()[0], commits)
        return self._token

    def settled(self) -> list[Reservation]:
        """After :meth:`flush`: every reservation this transaction read or wrote, as the store
        now holds it."""
        return list(self._loaded.values())

    # ---------------------------------------------------------------- reads
    def get(self, reservation_id: str) -> Reservation:
        if not is_lookup_id(reservation_id):
            raise missing("reservation", reservation_id, "id")
        r = self._cache.get(reservation_id)
        if r is None:
            known = self.known
            r = known.get(reservation_id) if known is not None else None
            if r is None:
                if self.detached:
                    raise DetachedRead(f"reservation {reservation_id} is not in memory")
                r = queries.require_reservation(self.conn, reservation_id)
            else:
                self.known_hits += 1
            self._remember(r)
        return r

    def preload(self, ids: Sequence[str]) -> list[Reservation]:
        cache = self._cache
        missing = [i for i in ids if i not in cache]
        known = self.known
        if known is not None and missing:
            unknown = []
            for i in missing:
                r = known.get(i)
                if r is None:
                    unknown.append(i)
                else:
                    self._remember(r)
            self.known_hits += len(missing) - len(unknown)
            missing = unknown
        if missing:
            if self.detached:
                raise DetachedRead(f"{len(missing)} reservations are not in memory: {missing[:3]}")
            for r in queries.get_many(self.conn, missing).values():
                self._remember(r)
        return [cache[i] for i in ids if i in cache]

    def unflushed(self) -> list[Reservation]:
        """Reservations created or changed in this transaction and not flushed yet (what a query
        on the store cannot see), in id order."""
        return [self._cache[i] for i in sorted(self._inserted | self._dirty)]

    def _remember(self, r: Reservation) -> None:
        self._cache[r.id] = r
        self._loaded[r.id] = r
        self._track_slot(None, r)

    def _track_slot(self, before: Reservation | None, after: Reservation) -> None:
        if before is not None and before.evse and before.status in SLOT_HOLDING:
            self._held[before.evse].pop(before.id, None)
        if after.evse and after.status in SLOT_HOLDING:
            assert after.scheduled_start_time is not None and after.scheduled_end_time is not None
            self._held[after.evse][after.id] = (
                after.scheduled_start_time,
                after.scheduled_end_time,
            )

    def busy(
        self,
        evse_ids: Sequence[str],
        lo: int,
        hi: int,
        exclude: str | None = None,
        *,
        source: HeldSource | None = None,
    ) -> dict[str, list[tuple[int, int]]]:
        """Held slots overlapping [lo, hi) per EVSE, as this transaction sees them.

        Reading an EVSE's schedule in a write transaction locks the EVSE until the transaction
        ends (PostgreSQL: ``SELECT … FOR UPDATE`` on its row, in id order), so a look-up and the
        booking that follows cannot interleave with another engine's or dispatcher's on the same
        port; transactions on disjoint ports run in parallel. The exclusion constraint stays as
        the safety net. (SQLite: the whole write transaction is already exclusive.)

        ``source``: where the held slots of the store come from, instead of
        :func:`queries.busy_intervals_with_ids` (the engine's cache of them, which answers the
        same as that query on the store this transaction reads)."""
        self._lock_evses(evse_ids)
        if source is None:
            raw = queries.busy_intervals_with_ids(self.conn, evse_ids, lo, hi)
        else:
            raw = source(self.conn, evse_ids, lo, hi)
        out: dict[str, list[tuple[int, int]]] = {e: [] for e in evse_ids}
        cache = self._cache
        for evse_id, rows in raw.items():
            if rows and evse_id in out:
                out[evse_id] = [(s, e) for (s, e, rid) in rows if rid not in cache]
        held = self._held
        for evse_id in evse_ids:
            held_here = held.get(evse_id)
            if held_here:
                items = out[evse_id]
                for rid, (s, e) in held_here.items():
                    if rid != exclude and s < hi and e > lo:
                        items.append((s, e))
        for items in out.values():
            if len(items) > 1:
                items.sort()
        return out

    def _lock_evses(self, evse_ids: Sequence[str]) -> None:
        if self.conn.dialect.name != "postgresql":
            return
        wanted = sorted(set(evse_ids) - self._locked_evses)
        if wanted:
            queries.lock_evses(self.conn, wanted)
            self._locked_evses.update(wanted)

    # ---------------------------------------------------------------- writes
    def _record(self, tr: Transition, actor: str) -> Reservation:
        after = tr.after
        self._track_slot(tr.before, after)
        self._cache[after.id] = after
        if after.id not in self._inserted:
            self._dirty.add(after.id)
        self._events.append(
            Event(
                id=self.ids.event(self.now),
                reservation_id=after.id,
                type=tr.event_type.value,
                created=self.now,
                actor=actor,
                status=after.status,
                previous=tr.previous,
                data=tr.data,
            )
        )
        self.transitions.append(tr)
        return after

    def create(
        self, params: Any, *, idempotency_key: Any = None, actor: str = "dispatcher"
    ) -> Reservation:
        key = check_idempotency_key(idempotency_key)
        check_depth(params)
        digest = request_hash(params) if key is not None else ""
        if key is not None:
            seen = self._idempotency.get(key)
            if seen is None:
                row = self.conn.execute(
                    select(t.idempotency.c.request_hash, t.idempotency.c.reservation_id).where(
                        t.idempotency.c.key == key
                    )
                ).first()
                seen = (row[0], row[1]) if row else None
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

    def _add_created(self, r: Reservation, event_id: str, actor: str) -> None:
        self._cache[r.id] = r
        self._inserted.add(r.id)
        self._events.append(
            Event(
                id=event_id,
                reservation_id=r.id,
                type=EventType.CREATED.value,
                created=self.now,
                actor=actor,
                status=r.status,
            )
        )

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
    def _precheck(self, r: Reservation, action: Action) -> None:
        if (r.status, action) not in machine.TRANSITIONS:
            raise ChargeError(
                UNEXPECTED_STATE,
                f"A {r.status.value} reservation cannot be {machine.past_tense(action)}.",
            )

    def candidates(self, r: Reservation) -> list[tuple[Station, Evse, float]]:
        return queries.candidate_evses(self.conn, r.service_area, r.connector_types)

    def find_slot(
        self,
        r: Reservation,
        *,
        exclude_evse: str | None = None,
        candidates: list[tuple[Station, Evse, float]] | None = None,
        source: HeldSource | None = None,
    ) -> Assignment | None:
        """Best slot: closest to the preferred start, then nearest station, then EVSE id.
        ``source``: as for :meth:`busy`."""
        lo = max(r.earliest_start_time, self.now)
        hi = r.latest_end_time
        if hi - lo < r.duration:
            return None
        cands = candidates if candidates is not None else self.candidates(r)
        cands = [c for c in cands if c[1].id != exclude_evse]
        if not cands:
            return None
        busy = self.busy([c[1].id for c in cands], lo, hi, exclude=r.id, source=source)
        best: tuple[tuple[int, float, str], Assignment] | None = None
        for station, evse, dist in cands:
            start = best_start(busy[evse.id], lo, hi, r.duration, r.preferred_start_time)
            if start is None:
                continue
            score = (abs(start - r.preferred_start_time), dist, evse.id)
            if best is None or score < best[0]:
                best = (score, Assignment(station, evse, start, start + r.duration))
        return best[1] if best else None

    def _explicit_assignment(self, r: Reservation, evse_id: str, start: int | None) -> Assignment:
        found = queries.get_evse(self.conn, evse_id)
        if found is None:
            raise missing("EVSE", evse_id, "evse")
        station, evse = found
        lo = max(r.earliest_start_time, self.now)
        if start is None:
            busy = self.busy([evse.id], lo, r.latest_end_time, exclude=r.id)[evse.id]
            start = best_start(busy, lo, r.latest_end_time, r.duration, r.preferred_start_time)
            if start is None:
                raise ChargeError(
                    SLOT_UNAVAILABLE,
                    f"EVSE {evse_id} has no free slot in the reservation's window.",
                    "evse",
                )
        a = Assignment(station, evse, start, start + r.duration)
        machine.check_assignment(r, a, self.now)
        busy = self.busy([evse.id], a.start, a.end, exclude=r.id)[evse.id]
        if any(overlaps(a.start, a.end, s, e) for s, e in busy):
            raise ChargeError(
                SLOT_UNAVAILABLE, f"EVSE {evse_id} is already booked during that slot.", "start"
            )
        return a

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
            self.statements.append((_SET_EVSE_STATUS_SQL, [(status.value, evse_id)], 1))
            return
        raw = queries.sqlite_driver(self.conn)
        if raw is not None:
            n = raw.execute(_SET_EVSE_STATUS_SQL, (status.value, evse_id)).rowcount
        else:
            n = self.conn.execute(
                update(t.evses).where(t.evses.c.id == evse_id).values(status=status.value)
            ).rowcount
        if n != 1:
            raise missing("EVSE", evse_id, "evse")

    def set_next_check(self, rid: str, at: int | None) -> None:
        """Engine bookkeeping (internal column, not part of the API object): when to look again."""
        r = self.get(rid)
        if r.next_check_at == at:
            return
        self._cache[rid] = evolve(r, {"next_check_at": at})
        if rid not in self._inserted:
            self._dirty.add(rid)

    def add_stations(self, stations: Sequence[Station]) -> list[Station]:
        """Insert stations and their EVSEs; stations whose id already exists are skipped."""
        ids = [s.id for s in stations]
        existing: set[str] = set()
        for i in range(0, len(ids), 500):
            existing |= {
                r[0]
                for r in self.conn.execute(
                    select(t.stations.c.id).where(t.stations.c.id.in_(ids[i : i + 500]))
                )
            }
        new = [s for s in stations if s.id not in existing]
        if new:
            self.conn.execute(insert(t.stations), [station_to_row(s, self.now) for s in new])
            evse_rows = [evse_to_row(e) for s in new for e in s.evses]
            if evse_rows:
                self.conn.execute(insert(t.evses), evse_rows)
        return new

    # ---------------------------------------------------------------- flush
    def _sqlite_cursor(self) -> Any | None:
        """The DBAPI cursor of this transaction's connection on SQLite (the hot statements skip
        SQLAlchemy's per-row parameter processing there); None on other back ends, which stay
        on SQLAlchemy Core."""
        if self.conn.dialect.name != "sqlite":
            return None
        return self.conn.connection.driver_connection.cursor()

    def flush(self) -> None:
        """Write what is buffered: new reservations (one insert), changed ones (one update per set
        of changed columns, each setting only those columns, with a version check), then their
        events. On SQLite through the DBAPI cursor of the same transaction."""
        if self.statements is not None:
            self.statements.extend(self._statements())
            return
        conn = self.conn
        cur = self._sqlite_cursor()
        try:
            self._flush(conn, cur)
        finally:
            if cur is not None:
                cur.close()

    def _take_writes(
        self,
    ) -> tuple[list[Reservation], dict[tuple[str, ...], list[tuple[Any, ...]]], list[Event]]:
        """What is buffered, taken (the buffers are emptied and the reservations become what the
        store holds): the new reservations in id order; the changed ones grouped by the set of
        columns that changed (an update rewrites only the indexes on the columns it sets), each
        row its new values then its id and the version it replaces; the events."""
        new = [self._cache[i] for i in sorted(self._inserted)]
        for r in new:
            self._loaded[r.id] = r
        self._inserted.clear()
        groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        for i in sorted(self._dirty):
            old = self._loaded[i]
            vals = RESERVATION.changed(old, self._cache[i])
            if vals:
                groups.setdefault(tuple(vals), []).append((*vals.values(), i, old.version))
        for i in self._dirty:
            self._loaded[i] = self._cache[i]
        self._dirty.clear()
        events, self._events = self._events, []
        return new, groups, events

    def _statements(self) -> list[Statement]:
        """The buffered writes as SQLite statements: ``(sql, rows, rows the statement must
        change or None)``."""
        if self._idempotency and self.detached:
            raise DetachedRead("idempotency keys need the store")
        new, groups, events = self._take_writes()
        out: list[Statement] = []
        if new:
            values = RESERVATION.values
            out.append((_INSERT_RESERVATION_SQL, [values(r) for r in new], None))
        for cols, rows in groups.items():
            out.append((_update_sql(cols), rows, len(rows)))
        if events:
            out.append((_INSERT_EVENT_SQL, [event_values(e) for e in events], None))
        return out

    def _flush(self, conn: Connection, cur: Any | None) -> None:
        if cur is not None:
            for sql, rows, expected in self._statements():
                cur.executemany(sql, rows)
                if expected is not None and cur.rowcount != expected:
                    raise _lost_race()
        else:
            new, groups, events = self._take_writes()
            if new:
                conn.execute(insert(R), [RESERVATION.to_row(r) for r in new])
            for cols, rows in groups.items():
                self._update_group(conn, cols, rows)
            if events:
                conn.execute(insert(t.events), [event_to_row(e) for e in events])
        if self._idempotency:
            conn.execute(
                insert(t.idempotency),
                [
                    {"key": k, "request_hash": h, "reservation_id": rid, "created": self.now}
                    for k, (h, rid) in self._idempotency.items()
                ],
            )
            self._idempotency.clear()

    def _update_group(
        self, conn: Connection, cols: tuple[str, ...], rows: list[tuple[Any, ...]]
    ) -> None:
        """One group of :meth:`_take_writes` through SQLAlchemy Core (PostgreSQL)."""
        stmt = (
            update(R)
            .where(R.c.id == bindparam("b_id"), R.c.version == bindparam("b_version"))
            .values({c: bindparam(c) for c in cols})
        )
        params = []
        for row in rows:
            p = dict(zip(cols, row[:-2], strict=True))
            p["b_id"], p["b_version"] = row[-2], row[-1]
            params.append(p)
        if self._multi_rowcount or len(params) == 1:
            if conn.execute(stmt, params).rowcount != len(params):
                raise _lost_race()
        else:
            for p in params:
                if conn.execute(stmt, p).rowcount != 1:
                    raise ChargeError(
                        CONCURRENT_UPDATE,
                        f"Reservation {p['b_id']} was changed by someone else; nothing was "
                        "written. Look again and retry.",
                        "id",
                    )


def _update_sql(cols: tuple[str, ...]) -> str:
    """The update of one set of changed columns, with the version check."""
    return (
        f"UPDATE reservations SET {', '.join(f'{c} = ?' for c in cols)} "
        "WHERE id = ? AND version = ?"
    )


def _lost_race() -> ChargeError:
    return ChargeError(
        CONCURRENT_UPDATE,
        "A reservation was changed by someone else during this update; nothing was written. "
        "Look again and retry.",
        "id",
    )


_SET_EVSE_STATUS_SQL = "UPDATE evses SET status = ? WHERE id = ?"
_INSERT_RESERVATION_SQL = RESERVATION.insert_sql()
_INSERT_EVENT_SQL = (
    f"INSERT INTO reservation_events ({', '.join(EVENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in EVENT_COLUMNS)})"
)
