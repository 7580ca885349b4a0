"""Slot search inside a unit of work: the best free slot for a reservation, or the slot a
dispatcher names, as this transaction sees the schedule (its own bookings included)."""

from __future__ import annotations

from collections.abc import Iterator

from charge_tui.domain import machine
from charge_tui.domain.board import SlotOption
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
        best = min(
            self._options(r, exclude_evse, candidates, source), key=lambda o: o[0], default=None
        )
        return best[1] if best else None

    def ranked_slots(
        self, r: Reservation, *, exclude_evse: str | None = None, limit: int = 50
    ) -> list[SlotOption]:
        """Each candidate EVSE's best slot for ``r``, best first, in :meth:`find_slot`'s order
        (so the first is the slot ``confirm``/``reassign`` would take): the console's picker."""
        ranked = sorted(self._options(r, exclude_evse, None, None), key=lambda o: o[0])
        return [
            SlotOption(a.station, a.evse, a.start, a.end, a.start - r.preferred_start_time, dist)
            for (_shift, dist, _id), a in ranked[:limit]
        ]

    def _options(
        self,
        r: Reservation,
        exclude_evse: str | None,
        candidates: list[tuple[Station, Evse, float]] | None,
        source: HeldSource | None,
    ) -> Iterator[tuple[tuple[int, float, str], Assignment]]:
        """(score, assignment) of the best start on each candidate EVSE that has one."""
        lo = max(r.earliest_start_time, self.now)
        hi = r.latest_end_time
        if hi - lo < r.duration:
            return
        cands = candidates if candidates is not None else self.candidates(r)
        cands = [c for c in cands if c[1].id != exclude_evse]
        if not cands:
            return
        busy = self.busy([c[1].id for c in cands], lo, hi, exclude=r.id, source=source)
        for station, evse, dist in cands:
            start = best_start(busy[evse.id], lo, hi, r.duration, r.preferred_start_time)
            if start is not None:
                score = (abs(start - r.preferred_start_time), dist, evse.id)
                yield score, Assignment(station, evse, start, start + r.duration)

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
