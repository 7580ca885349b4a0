"""The station board's values: the shown period, a station's summary, a held slot, a fault's
blast radius and a candidate slot. Pure data and arithmetic; the store reads them
(``store/board.py``), the console draws them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from charge_tui.domain.enums import EvseStatus, Status
from charge_tui.domain.model import Evse, Reservation, Station

HOUR = 3600
DAY = 24 * HOUR
#: The board's zoom levels (seconds shown across the timeline), cycled by ``z``.
SPANS: tuple[int, ...] = (6 * HOUR, DAY)


@dataclass(frozen=True, slots=True)
class Period:
    """``[start, start + span)``: what the timelines show."""

    start: int
    span: int = SPANS[0]

    @property
    def end(self) -> int:
        return self.start + self.span

    @classmethod
    def around(cls, now: int, span: int = SPANS[0]) -> Period:
        """The default view of ``span``: starting on the hour, with a sixth of it before now
        (so "now" sits near the left and most of what is shown is still to come)."""
        return cls((now - span // 6) // HOUR * HOUR, span)

    def shifted(self, seconds: int) -> Period:
        return replace(self, start=self.start + seconds)

    def zoomed(self, now: int) -> Period:
        """The next zoom level, keeping the same point (now if shown, else the middle) in view."""
        span = SPANS[(SPANS.index(self.span) + 1) % len(SPANS)] if self.span in SPANS else SPANS[0]
        pivot = now if self.start <= now < self.end else self.start + self.span // 2
        return Period.around(pivot, span)


@dataclass(frozen=True, slots=True)
class HeldSlot:
    """A confirmed or completed reservation's slot on an EVSE."""

    reservation_id: str
    evse: str
    start: int
    end: int
    status: Status
    driver: str


@dataclass(frozen=True, slots=True)
class StationSummary:
    """One row of the board's station list."""

    station: Station
    evses: int
    faulted: int
    #: Share of the EVSE-seconds of the shown period that are held (0..1).
    utilisation: float

    @property
    def up(self) -> int:
        return self.evses - self.faulted


def utilisation(slots: Iterable[HeldSlot], evse_count: int, period: Period) -> float:
    """Held EVSE-seconds inside ``period`` over all EVSE-seconds of it (every EVSE counts,
    faulted ones too: a faulted EVSE is capacity lost, not capacity that does not exist)."""
    if evse_count <= 0 or period.span <= 0:
        return 0.0
    held = sum(max(0, min(s.end, period.end) - max(s.start, period.start)) for s in slots)
    return min(1.0, held / (evse_count * period.span))


def faulted(evse: Evse) -> bool:
    return evse.status is EvseStatus.OUT_OF_ORDER


@dataclass(frozen=True, slots=True)
class SlotOption:
    """A free slot a reservation could take, as the slot search ranks them (best first)."""

    station: Station
    evse: Evse
    start: int
    end: int
    #: Seconds from the reservation's preferred start (negative: earlier).
    shift: int
    #: Metres from the centre of the reservation's service area to the station.
    distance_m: float


@dataclass(frozen=True, slots=True)
class FaultEffect:
    """What faulting an EVSE does (or did) to one reservation on it."""

    before: Reservation
    after: Reservation
    #: The station the reservation moves to (None when it fails).
    station: Station | None = None

    @property
    def moved(self) -> bool:
        return self.after.status is Status.CONFIRMED


@dataclass(frozen=True, slots=True)
class FaultOutcome:
    """The blast radius of faulting ``evse``: every confirmed reservation on it that has not
    ended, moved or failed. ``applied`` is False for a preview (nothing was written)."""

    station: Station
    evse: Evse
    effects: tuple[FaultEffect, ...]
    applied: bool

    @property
    def moved(self) -> tuple[FaultEffect, ...]:
        return tuple(e for e in self.effects if e.moved)

    @property
    def failed(self) -> tuple[FaultEffect, ...]:
        return tuple(e for e in self.effects if not e.moved)

    @property
    def fees_at_stake(self) -> int:
        """Reservation fees already charged for the reservations that will fail (they are not
        refunded: the service never refunds), in the minor unit of the station's currency."""
        return sum(e.before.reservation_fee for e in self.failed)
