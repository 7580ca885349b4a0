"""A unit of work's memory: what one write transaction read and changed, and its flush.

Reads go to this transaction's buffer first, then to reservations kept from earlier transactions
(:attr:`Tracked.known`), then to the store. Changes are buffered with their events; slot look-ups
see the slots booked or released earlier in the same transaction (an in-memory overlay), so a tick
of the engine can confirm thousands of reservations without a flush between them. :meth:`flush`
hands what is buffered to :mod:`charge_tui.store.writes`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from charge_tui.domain.codec import RESERVATION
from charge_tui.domain.enums import SLOT_HOLDING, EventType
from charge_tui.domain.ids import IdFactory
from charge_tui.domain.machine import Transition
from charge_tui.domain.model import Event, Reservation, evolve
from charge_tui.domain.payments import Authorizer
from charge_tui.domain.validation import is_lookup_id, missing
from charge_tui.service.prepare import ServiceConfig
from charge_tui.store import queries, writes

if TYPE_CHECKING:
    from charge_tui.store.db import Connection
    from charge_tui.store.writebehind import Statement

#: ``(conn, evse_ids, lo, hi) -> {evse: [(start, end, reservation id)]}``, the held slots of the
#: store overlapping ``[lo, hi)`` (what :func:`queries.busy_intervals_with_ids` returns; an EVSE
#: without any may be left out).
HeldSource = Callable[[Any, Sequence[str], int, int], dict[str, list[tuple[int, int, str]]]]


class DetachedRead(RuntimeError):
    """A detached unit of work (see :class:`Tracked`) was asked for something only the store
    knows: whoever detached it promised to answer every read from memory."""


class _NoStore:
    """The connection of a detached unit of work: it says it is SQLite (a single writer, as the
    write-behind store is) and refuses everything else."""

    class dialect:  # noqa: N801 - mirrors ``Connection.dialect``
        name = "sqlite"

    def __getattr__(self, name: str) -> Any:
        raise DetachedRead(f"a detached unit of work cannot use the store ({name})")


NO_STORE: Any = _NoStore()


class Tracked:
    """The state of one write transaction: reads, buffered changes and events, held slots."""

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
        self.after_commit: list[Callable[[Any], None]] = []
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
            self._token = (raw, queries.data_version(raw), commits)
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

    def set_next_check(self, rid: str, at: int | None) -> None:
        """Engine bookkeeping (internal column, not part of the API object): when to look again."""
        r = self.get(rid)
        if r.next_check_at == at:
            return
        self._cache[rid] = evolve(r, {"next_check_at": at})
        if rid not in self._inserted:
            self._dirty.add(rid)

    # ---------------------------------------------------------------- flush
    def flush(self) -> None:
        """Write what is buffered (new reservations, changed columns with a version check, events,
        idempotency keys) in the caller's transaction; a detached unit of work appends the
        statements to :attr:`statements` instead."""
        w = self.take_writes()
        if self.statements is not None:
            if w.idempotency:
                raise DetachedRead("idempotency keys need the store")
            self.statements.extend(writes.statements(w))
            return
        writes.execute(self.conn, w, self.now, multi_rowcount=self._multi_rowcount)

    def take_writes(self) -> writes.Writes:
        """What is buffered, taken: the buffers are emptied and the reservations become what the
        store holds."""
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
        idem = [(k, h, rid) for k, (h, rid) in self._idempotency.items()]
        self._idempotency.clear()
        return writes.Writes(new, groups, events, idem)
