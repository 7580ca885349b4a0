"""Slot search inside a unit of work: the best free slot for a reservation, or the slot a
dispatcher names, as this transaction sees the schedule (its own bookings included)."""

from __future__ import annotations

from charge_tui.domain import machine
from charge_tui.domain.enums import Action
from charge_tui.domain.errors import SLOT_UNAVAILABLE, UNEXPECTED_STATE, ChargeError
from charge_tui.domain.machine import Assignment
from charge_tui.domain.model import Evse, Reservation, Station
from charge_tui.domain.slots import best_start, overlaps
from charge_tui.domain.validation import missing
from charge_tui.service.tracked import HeldSource, Tracked
from charge_tui.store import queries


class SlotSearch(Tracked):
    """Finding slots; the commands that book them are :class:`UnitOfWork`'s."""

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
