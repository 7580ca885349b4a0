"""The at-risk view's reads: each reason through an index, at most ``limit`` rows each.

- unconfirmed: pending rows by ``(status, next_check_at)`` up to ``now + lookahead``. A pending
  reservation whose confirmation time has passed either still waits for the engine
  (``next_check_at`` is that time) or was tried and waits for a retry (``next_check_at`` at most
  one retry interval ahead), so ``lookahead`` is the engine's retry interval; rows read that are
  not due yet are dropped by the definition (:func:`charge_tui.domain.atrisk.risk_of`).
- on a faulted EVSE: the out-of-order EVSEs by ``(status, id)``, their slots by
  ``(evse, scheduled_start_time)`` from twelve hours back (the longest slot).
- no session: confirmed rows by ``(status, next_check_at)`` (``next_check_at`` is the slot's
  start plus its grace period) up to ``now`` plus the longest grace period.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from charge_tui.domain.atrisk import AtRisk, RiskItem, risk_of
from charge_tui.domain.codec import RESERVATION
from charge_tui.domain.enums import EvseStatus, Status
from charge_tui.domain.model import Reservation
from charge_tui.domain.validation import MAX_DURATION
from charge_tui.store import tables as t
from charge_tui.store.tables import unindexed_status

R = t.reservations
CODEC = RESERVATION
#: At most this many rows per reason.
LIMIT = 500


def faulted_evses(conn: Connection) -> frozenset[str]:
    q = select(t.evses.c.id).where(t.evses.c.status == EvseStatus.OUT_OF_ORDER.value)
    return frozenset(row[0] for row in conn.execute(q))


def longest_grace(conn: Connection) -> int:
    """The longest grace period any station gives (the network: a few thousand rows)."""
    value = conn.execute(select(func.max(t.stations.c.grace_period_seconds))).scalar()
    return int(value or 0)


def _due(conn: Connection, status: Status, until: int, limit: int) -> list[Reservation]:
    q = (
        select(R)
        .where(R.c.status == status.value, R.c.next_check_at <= until)
        .order_by(R.c.next_check_at)  # the index's order: no sort
        .limit(limit)
    )
    return [CODEC.from_mapping(row) for row in conn.execute(q).mappings()]


def _on_evses(conn: Connection, evses: frozenset[str], now: int, limit: int) -> list[Reservation]:
    """Confirmed rows on ``evses`` whose slot may not be over (one statement: the EVSEs' ranges
    of ``(evse, scheduled_start_time)``)."""
    if not evses:
        return []
    q = (
        select(R)
        .where(
            R.c.evse.in_(sorted(evses)),
            R.c.scheduled_start_time > now - MAX_DURATION,
            unindexed_status == Status.CONFIRMED.value,
        )
        .limit(limit)
    )
    return [CODEC.from_mapping(row) for row in conn.execute(q).mappings()]


def at_risk(
    conn: Connection, now: int, *, confirm_lead: int, lookahead: int, grace: int, limit: int = LIMIT
) -> AtRisk:
    """What needs a dispatcher at ``now``, oldest first."""
    faulted = faulted_evses(conn)
    items: dict[str, RiskItem] = {}
    capped = False
    reads = (
        _due(conn, Status.PENDING, now + lookahead, limit + 1),
        _on_evses(conn, faulted, now, limit + 1),
        _due(conn, Status.CONFIRMED, now + grace, limit + 1),
    )
    for rows in reads:
        capped = capped or len(rows) > limit
        for r in rows[:limit]:
            risk = risk_of(r, now, confirm_lead, faulted)
            if risk is not None and r.id not in items:
                items[r.id] = RiskItem(r, risk[0], risk[1])
    ordered = sorted(items.values(), key=lambda i: (i.since, i.reservation.id))
    return AtRisk(tuple(ordered), capped)


__all__ = ["at_risk", "faulted_evses", "longest_grace"]
