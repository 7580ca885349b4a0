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

from collections.abc import Sequence

from sqlalchemy import Connection

from charge_tui.domain.enums import SLOT_HOLDING
from charge_tui.service import UnitOfWork
from charge_tui.service.ownwrites import OwnWritesCache
from charge_tui.store import queries
from charge_tui.store.db import Database

#: A miss reads this much past the window asked for (the next ticks ask for nearly the same).
READ_AHEAD = 6 * 3600

Rows = list[tuple[int, int, str]]


class HeldCache(OwnWritesCache):
    def __init__(self, db: Database) -> None:
        super().__init__(db)
        # evse -> (lo, hi, every held slot (start, end, reservation id) overlapping [lo, hi)).
        self._entries: dict[str, tuple[int, int, Rows]] = {}
        self.hits = 0
        self.misses = 0

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
