"""The slots held on each EVSE, kept by the engine from one of its transactions to the next.

Every tick the engine reads the held slots of the EVSEs its requests may use (thousands of index
probes on a large network, most of them finding nothing). :class:`HeldCache` keeps what it read,
per EVSE with the window it covers, and applies to it the transitions of each transaction it was
used in once that transaction has committed. It answers exactly what
:func:`charge_tui.store.queries.busy_intervals_with_ids` would answer on the store the
transaction reads, and forgets everything as soon as it cannot be sure of that (SQLite only; the
rules are :mod:`charge_tui.service.ownwrites`'s).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from charge_tui.domain.enums import SLOT_HOLDING
from charge_tui.domain.validation import MAX_DURATION
from charge_tui.service import UnitOfWork
from charge_tui.service.ownwrites import OwnWritesCache
from charge_tui.store import queries
from charge_tui.store.db import Connection, Database

#: A miss reads this much past the window asked for (the next ticks ask for nearly the same).
READ_AHEAD = 6 * 3600

#: The window of an entry that covers all time (a complete cache's).
_ALWAYS = (-(2**62), 2**62)

Rows = list[tuple[int, int, str]]


class HeldCache(OwnWritesCache):
    def __init__(self, db: Database) -> None:
        super().__init__(db)
        # evse -> (lo, hi, every held slot (start, end, reservation id) overlapping [lo, hi)).
        self._entries: dict[str, tuple[int, int, Rows]] = {}
        self.hits = 0
        self.misses = 0
        self._pruned = 0

    def load_all(self, conn: Connection, evse_ids: Sequence[str], now: int) -> None:
        """Hold the held slots of every EVSE of ``evse_ids`` that have not ended by ``now``, for
        all time: a complete cache (what a detached unit of work reads; nothing is read again).
        Slots that have ended are dropped as time goes by (:meth:`prune`)."""
        self.clear()
        read = queries.busy_intervals_with_ids(conn, list(evse_ids), now, _ALWAYS[1])
        self._entries = {e: (*_ALWAYS, rows) for e, rows in read.items()}
        self._pruned = now
        self.complete = True

    def prune(self, now: int) -> None:
        """Drop the slots that ended before ``now`` (no read asks for them again: the engine
        never looks before the current instant). About once per simulated hour."""
        if now - self._pruned < 3600:
            return
        self._pruned = now
        for entry in self._entries.values():
            rows = entry[2]
            if rows and any(x[1] <= now for x in rows):
                rows[:] = [x for x in rows if x[1] > now]

    def on_evse(self, evse_id: str, now: int, open_ids: Collection[str]) -> list[str]:
        """:func:`queries.held_on_evse` from a complete cache: the reservations holding a slot on
        the EVSE that has not ended, among ``open_ids`` (those not terminal: a slot-holding
        reservation that is not terminal is confirmed)."""
        entry = self._entries.get(evse_id)
        if entry is None:
            return []
        floor = now - MAX_DURATION
        return [rid for s, e, rid in entry[2] if e > now and s > floor and rid in open_ids]

    def _forget(self) -> None:
        self._entries.clear()

    def _absorb(self, uow: UnitOfWork) -> None:
        entries = self._entries
        for tr in uow.transitions:
            before, after = tr.before, tr.after
            if before.evse and before.status in SLOT_HOLDING:
                entry = entries.get(before.evse)
                if entry is not None:
                    rid = before.id
                    entry[2][:] = [x for x in entry[2] if x[2] != rid]
            if after.evse and after.status in SLOT_HOLDING:
                entry = entries.get(after.evse)
                if entry is not None:
                    assert after.scheduled_start_time is not None
                    assert after.scheduled_end_time is not None
                    entry[2].append(
                        (after.scheduled_start_time, after.scheduled_end_time, after.id)
                    )

    def held(self, conn: Connection, evse_ids: Sequence[str], lo: int, hi: int) -> dict[str, Rows]:
        """:func:`queries.busy_intervals_with_ids` from the cache (reading the EVSEs it does not
        cover, for ``[lo, hi + READ_AHEAD)``), except that EVSEs without a held slot may be left
        out. Only after :meth:`begin` returned True for the transaction ``conn`` belongs to."""
        out: dict[str, Rows] = {}
        entries = self._entries
        missing = []
        for e in evse_ids:
            entry = entries.get(e)
            if entry is None or entry[0] > lo or entry[1] < hi:
                missing.append(e)
            elif entry[2]:
                out[e] = [x for x in entry[2] if x[0] < hi and x[1] > lo]
        self.hits += len(evse_ids) - len(missing)
        if missing:
            # An entry covers [lo, lo + READ_AHEAD) or so: it is read again about every
            # READ_AHEAD of simulated time, which also drops the slots that have ended.
            self.misses += len(missing)
            far = hi + READ_AHEAD
            read = queries.busy_intervals_with_ids(conn, missing, lo, far)
            for e in missing:
                rows = read[e]
                entries[e] = (lo, far, rows)
                if rows:
                    out[e] = [x for x in rows if x[0] < hi]
        return out
