"""An EVSE fault's blast radius, for the console: what faulting it does to each confirmed
reservation on it, computed by running the fault itself (the same code as ``stations fault`` and
the engine) inside the caller's unit of work. A preview is that transaction rolled back."""

from __future__ import annotations

from charge_tui.domain.board import FaultEffect, FaultOutcome, faulted
from charge_tui.domain.errors import EVSE_UNEXPECTED_STATE, ChargeError
from charge_tui.domain.model import Evse, Station
from charge_tui.domain.validation import missing
from charge_tui.service.uow import UnitOfWork
from charge_tui.store import queries


def require_evse(uow: UnitOfWork, evse_id: str) -> tuple[Station, Evse]:
    found = queries.get_evse(uow.conn, evse_id)
    if found is None:
        raise missing("EVSE", evse_id, "evse")
    return found


def fault(uow: UnitOfWork, evse_id: str, *, actor: str, applied: bool) -> FaultOutcome:
    """Fault ``evse_id`` in ``uow`` and say what it did; an EVSE already out of order is refused
    (``unexpected_state``) with nothing changed."""
    station, evse = require_evse(uow, evse_id)
    if faulted(evse):
        raise ChargeError(EVSE_UNEXPECTED_STATE, f"EVSE {evse_id} is already out of order.", "evse")
    before = {rid: uow.get(rid) for rid in queries.held_on_evse(uow.conn, evse_id, uow.now)}
    touched = uow.fault_evse(evse_id, actor=actor)
    stations: dict[str, Station] = {station.id: station}
    effects = []
    for after in touched:
        where = None
        if after.charging_station and after.evse != evse_id:
            where = stations.get(after.charging_station)
            if where is None:
                where = queries.get_station(uow.conn, after.charging_station)
                if where is not None:
                    stations[where.id] = where
        effects.append(FaultEffect(before.get(after.id, after), after, where))
    return FaultOutcome(station, evse, tuple(effects), applied)


def restore(uow: UnitOfWork, evse_id: str) -> None:
    """Put an out-of-order EVSE back in service; one that is not out of order is refused."""
    _station, evse = require_evse(uow, evse_id)
    if not faulted(evse):
        raise ChargeError(EVSE_UNEXPECTED_STATE, f"EVSE {evse_id} is not out of order.", "evse")
    uow.restore_evse(evse_id)
