"""The console's door to the store: blocking calls, run by the screens' thread workers.

Reads go through the service's read transaction (``ReservationService.reading``) and return
immutable domain objects; writes are the service's own calls. Nothing here touches a widget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from charge_tui.domain.api import reservation_to_api
from charge_tui.domain.enums import Action, Status
from charge_tui.domain.model import Event, Reservation, Station
from charge_tui.service import ReservationService
from charge_tui.store import listing, queries
from charge_tui.store.listing import ListQuery
from charge_tui.tui import window as win
from charge_tui.tui.window import Window

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Detail:
    """Everything the inspect screen shows, read in one transaction."""

    reservation: Reservation
    api: dict[str, Any]
    events: tuple[Event, ...]
    allowed: tuple[Action, ...]
    now: int


class ConsoleData:
    def __init__(self, service: ReservationService) -> None:
        self.service = service
        self._largest: Status | None = None

    def now(self) -> int:
        return self.service.clock.now()

    def _read(self, fn: Callable[[Any], T]) -> T:
        with self.service.reading() as conn:
            return fn(conn)

    # ------------------------------------------------------------------ list
    def first(self, q: ListQuery, limit: int | None = None) -> Window:
        return self._read(lambda c: win.first(c, q, limit))

    def last(self, q: ListQuery, limit: int | None = None) -> Window:
        return self._read(lambda c: win.last(c, q, limit))

    def around(self, q: ListQuery, reservation_id: str, limit: int | None = None) -> Window | None:
        return self._read(lambda c: win.around(c, q, reservation_id, limit))

    def forward(self, w: Window, max_rows: int | None = None) -> Window:
        return self._read(lambda c: win.forward(c, w, max_rows=max_rows))

    def backward(self, w: Window, max_rows: int | None = None) -> Window:
        return self._read(lambda c: win.backward(c, w, max_rows=max_rows))

    def refresh(self, w: Window, keep: str | None, max_rows: int | None = None) -> Window:
        return self._read(lambda c: win.refresh(c, w, keep, max_rows=max_rows))

    def counts(self) -> dict[Status, int]:
        counts = self._read(lambda c: listing.counts_by_status(c, self._largest))
        self._largest = max(counts, key=lambda s: counts[s]) if any(counts.values()) else None
        return counts

    def token(self) -> tuple[int, int]:
        return self._read(listing.change_token)

    # ---------------------------------------------------------------- detail
    def detail(self, reservation_id: str) -> Detail:
        def read(conn: Any) -> tuple[Reservation, list[Event]]:
            r = queries.require_reservation(conn, reservation_id)
            return r, queries.events_for(conn, reservation_id)

        r, events = self._read(read)
        now = self.now()
        return Detail(
            r,
            reservation_to_api(r),
            tuple(events),
            tuple(self.service.allowed_actions(r)),
            now,
        )

    def allowed(self, r: Reservation) -> list[Action]:
        """What the state machine allows now. A row that breaks the invariants (written by some
        other tool) offers nothing rather than taking the console down."""
        try:
            return self.service.allowed_actions(r)
        except (AssertionError, TypeError, ValueError):
            return []

    def stations(self) -> list[Station]:
        return self.service.stations()

    # ---------------------------------------------------------------- writes
    def create(self, params: dict[str, Any], idempotency_key: str | None) -> Reservation:
        return self.service.create(params, idempotency_key=idempotency_key, actor="dispatcher")

    def act(self, reservation_id: str, action: Action, **kw: Any) -> Reservation:
        return self.service.act(reservation_id, action, actor="dispatcher", **kw)
