"""What a process may keep from one of its write transactions to the next.

Between two ticks of the engine or the simulator, a SQLite store usually changes only by that
process's own commits. A cache kept between its transactions (:class:`OwnWritesCache`) holds what
the store looked like after the last one, and applies each of its own commits to itself. It must
answer exactly what reading the store would, so it forgets everything as soon as it cannot be sure
the store is still that:

- another connection committed (SQLite's ``PRAGMA data_version`` changed: other processes, or
  other ``Database`` objects of this process), or the pool handed out another connection;
- another write transaction committed through the same :class:`Database` (its ``commits``
  counter moved by more than our own commit);
- the transaction it was last used in did not commit (rolled back: its changes never happened).

SQLite only: the write transaction holds the database's write lock from its first statement, so
nothing can commit between the check and our own commit. On PostgreSQL (several engines commit
concurrently) every read goes to the store.

:class:`ReservationCache` (here) keeps the reservations themselves; the engine's
:class:`charge_tui.engine.heldcache.HeldCache` keeps the held slots of each EVSE.
"""

from __future__ import annotations

import heapq
from abc import ABC, abstractmethod
from typing import Any

from charge_tui.domain.enums import Status
from charge_tui.domain.model import Reservation
from charge_tui.service.uow import DetachedRead, UnitOfWork
from charge_tui.store import queries
from charge_tui.store.db import Connection, Database

#: What :meth:`OwnWritesCache.begin` keeps as the start of a detached unit of work.
_DETACHED: tuple[Any, int, int] = (None, -1, -1)

#: Reservations a :class:`ReservationCache` holds at most (about 90 MB of domain objects).
DEFAULT_LIMIT = 100_000


class OwnWritesCache(ABC):
    """The bookkeeping of the module docstring. Subclasses implement :meth:`_forget` (drop what is
    held) and :meth:`_absorb` (apply a transaction that has just committed)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # What the store looked like after our last commit: (sqlite3 connection, data_version,
        # db.commits); None when unknown.
        self._synced: tuple[Any, int, int] | None = None
        self._uow: UnitOfWork | None = None
        self._start: tuple[Any, int, int] | None = None
        #: Set by :meth:`begin`: the store is exactly what the last transaction this cache saw
        #: left (what it holds was kept, not forgotten).
        self.continued = False
        #: Holds everything its reads can ask for (loaded by a subclass's ``load_all``), so that
        #: it can serve a *detached* unit of work, which has no store to fall back on. Its
        #: owner vouches that no one else writes meanwhile (the write-behind writer checks).
        self.complete = False

    def clear(self) -> None:
        self._forget()
        self._synced = None
        self.complete = False

    def begin(self, uow: UnitOfWork) -> bool:
        """Check the cache against the store ``uow`` reads (once per transaction; the cache learns
        the transaction's changes if it commits). False when it cannot be used (not SQLite)."""
        if uow is self._uow:
            return self._start is not None
        self._uow = uow
        if uow.detached:
            if not self.complete:
                raise DetachedRead(f"{type(self).__name__} was not loaded for a detached run")
            # Handed to the write-behind writer, which commits it or stops the run.
            self._start, self._synced, self.continued = _DETACHED, None, True
            uow.after_commit.append(self._absorb)
            return True
        self.complete = False  # only a detached run's owner vouches for that
        token = uow.store_token(self.db.commits)
        if token is None:
            self._start = None
            self.continued = False
            self.clear()
            return False
        synced = self._synced
        self.continued = synced is not None and synced[0] is token[0] and synced[1:] == token[1:]
        if not self.continued:
            self._forget()
        # Unknown until this transaction commits (a rollback leaves it so: next time, forget).
        self._synced = None
        self._start = token
        uow.after_commit.append(self._committed)
        return True

    def _committed(self, uow: UnitOfWork) -> None:
        start = self._start
        if uow is not self._uow or start is None or self.db.commits != start[2] + 1:
            # Another write of this process committed around ours: forget everything.
            self.clear()
            return
        self._absorb(uow)
        self._synced = (start[0], start[1], start[2] + 1)

    @abstractmethod
    def _forget(self) -> None:
        """Drop everything held."""

    @abstractmethod
    def _absorb(self, uow: UnitOfWork) -> None:
        """Apply ``uow``, which has just committed (after its flush), to what is held."""


class ReservationCache(OwnWritesCache):
    """The reservations a process read or wrote, as its last commit left them: a unit of work
    looks here before it reads the store (:meth:`UnitOfWork.get`, :meth:`UnitOfWork.preload`).
    The simulator's due reservations, arrivals and cancellations are nearly all ones it created
    itself in an earlier tick: read back, each cost a row fetch and the building of its domain
    object.

    Only reservations that can still change are kept (a terminal one is dropped when it gets
    there), at most ``limit`` of them; past that the oldest half is dropped (they are read from
    the store again when needed)."""

    def __init__(self, db: Database, limit: int = DEFAULT_LIMIT) -> None:
        super().__init__(db)
        self.limit = limit
        self.rows: dict[str, Reservation] = {}
        #: Reservations served from here instead of the store, in committed transactions.
        self.hits = 0
        # When complete: the engine's queues, per status a heap of (next_check_at, id), some of
        # them stale (checked against ``rows`` when they come up).
        self._due: dict[Status, list[tuple[int, str]]] = {}

    def load_all(self, conn: Connection) -> None:
        """Hold every reservation that can still change, with no limit, and answer the engine's
        queues (:meth:`due_ids`): what a detached unit of work reads. ``conn``'s transaction
        must be the store as the next transaction will find it."""
        self.clear()
        for r in queries.open_reservations(conn):
            self.rows[r.id] = r
        self._due = {s: [] for s in Status if not s.terminal}
        for r in self.rows.values():
            if r.next_check_at is not None:
                self._due[r.status].append((r.next_check_at, r.id))
        for heap in self._due.values():
            heapq.heapify(heap)
        self.complete = True

    def due_ids(self, status: Status, now: int, limit: int) -> list[str]:
        """What :func:`queries.due_ids` answers on the store (complete only): the ids with that
        status whose ``next_check_at`` is at or before ``now``, by ``(next_check_at, id)``, at
        most ``limit``."""
        heap = self._due[status]
        rows = self.rows
        out: list[str] = []
        seen: set[str] = set()
        while heap and heap[0][0] <= now and len(out) < limit:
            at, rid = heapq.heappop(heap)
            r = rows.get(rid)
            if r is None or r.status is not status or r.next_check_at != at or rid in seen:
                continue  # stale: the reservation moved on since this entry was pushed
            seen.add(rid)
            out.append(rid)
        for rid in out:  # still due until a transaction changes them
            heapq.heappush(heap, (rows[rid].next_check_at, rid))  # type: ignore[arg-type]
        return out

    def begin(self, uow: UnitOfWork) -> bool:
        usable = super().begin(uow)
        uow.known = self.rows if usable else None
        return usable

    def _forget(self) -> None:
        self.rows.clear()
        self._due = {}

    def _absorb(self, uow: UnitOfWork) -> None:
        self.hits += uow.known_hits
        rows = self.rows
        due = self._due if self.complete else None
        for r in uow.settled():
            if r.status.terminal:
                rows.pop(r.id, None)
                continue
            if due is not None and r.next_check_at is not None:
                old = rows.get(r.id)
                if (
                    old is None
                    or old.status is not r.status
                    or old.next_check_at != r.next_check_at
                ):
                    heapq.heappush(due[r.status], (r.next_check_at, r.id))
            rows[r.id] = r
        if len(rows) > self.limit and not self.complete:
            for rid in list(rows)[: len(rows) - self.limit // 2]:
                del rows[rid]
