"""The console's door to the store: blocking calls, run by the screens' thread workers.

Reads go through the service's read transaction (``ReservationService.reading``) and return
immutable domain objects; writes are the service's own calls. Nothing here touches a widget.

**Opening late.** Importing the store layer (SQLAlchemy, SQLModel) costs about half a second, so
``charge-tui`` may hand this class an *opener* instead of a service, plus a
:class:`~charge_tui.store.firstread.FirstRead` (a read-only ``sqlite3`` connection). Until the app
calls :meth:`ConsoleData.open` (right after the first paint, in a thread worker), the first page
of the list, the counts and the change token come from the first read; anything else opens the
store first (in the worker that asks, never on the UI thread). ``now`` and ``allowed`` need only the
clock and the state machine, so they never wait for the store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from charge_tui.domain.board import FaultOutcome, HeldSlot, Period, SlotOption, StationSummary
from charge_tui.domain.clock import Clock, clock_from_env
from charge_tui.domain.enums import Action, Status
from charge_tui.domain.model import Event, Reservation, Station
from charge_tui.store.firstread import FirstRead, FirstReadUnavailable
from charge_tui.store.listquery import ListQuery
from charge_tui.store.window import PAGE, Window, from_first_page

if TYPE_CHECKING:
    from charge_tui.domain.atrisk import AtRisk
    from charge_tui.domain.kpis import KpiSnapshot, KpiTracker
    from charge_tui.service import ReservationService

#: A station's place in the board's order: (name, id).
StationKey = tuple[str, str]

T = TypeVar("T")

#: Longest a read that needs the store waits for the app's :meth:`ConsoleData.release`.
OPEN_HOLD_SECONDS = 2.0


def _paging() -> ModuleType:
    """The window moves (they import the store layer: only once the store is open)."""
    from charge_tui.store import paging

    return paging


@dataclass(frozen=True, slots=True)
class BoardPage:
    """A page of the station board: its stations, where it starts, the network's size."""

    stations: tuple[StationSummary, ...]
    #: How many stations come before the first one shown.
    position: int
    total: int
    more_after: bool

    @property
    def more_before(self) -> bool:
        return self.position > 0


@dataclass(frozen=True, slots=True)
class Detail:
    """Everything the inspect screen shows, read in one transaction."""

    reservation: Reservation
    api: dict[str, Any]
    events: tuple[Event, ...]
    allowed: tuple[Action, ...]
    now: int
    #: The assigned station with its EVSEs (None while unassigned).
    station: Station | None = None


class ConsoleData:
    def __init__(
        self,
        service: ReservationService | None = None,
        *,
        opener: Callable[[], ReservationService] | None = None,
        first_read: FirstRead | None = None,
        clock: Clock | None = None,
    ) -> None:
        if (service is None) == (opener is None):
            raise ValueError("give either a service or an opener")
        self._service = service
        self._opener = opener
        self._first_read = first_read if service is None else None
        self._open_lock = threading.Lock()
        # Deferred: hold back opening until the app says the first screen is painted (release),
        # so that importing the store layer does not compete with the first paint.
        self._gate = threading.Event()
        if service is not None:
            self._gate.set()
        self.clock: Clock = service.clock if service is not None else (clock or clock_from_env())
        self._largest: Status | None = None
        self._names: dict[str, str] = {}
        self._opening: Window | None = None
        self._grace: int | None = None

    # ------------------------------------------------------------------ the store
    @property
    def is_open(self) -> bool:
        return self._service is not None

    def open(self) -> ReservationService:
        """The service, opening the store first if it is not open yet (blocking: call it from a
        thread worker). A failure propagates and the next call tries again."""
        service = self._service
        if service is not None:
            return service
        self._gate.wait(OPEN_HOLD_SECONDS)
        with self._open_lock:
            if self._service is None:
                assert self._opener is not None
                self._service = self._opener()
                if self._first_read is not None:
                    self._first_read.close()
                    self._first_read = None
            return self._service

    def release(self) -> None:
        """The first screen is painted: opening the store may start."""
        self._gate.set()

    @property
    def service(self) -> ReservationService:
        return self.open()

    def _quick(self, use: Callable[[FirstRead], T]) -> T | None:
        """``use(first read)`` while the store is not open yet, else None (also when the first
        read was closed under our feet by :meth:`open`, or failed: the store then answers, or
        says clearly what is wrong)."""
        quick = None if self._service is not None else self._first_read
        if quick is None:
            return None
        try:
            return use(quick)
        except FirstReadUnavailable:
            return None

    def now(self) -> int:
        return self.clock.now()

    def _read(self, fn: Callable[[Any], T]) -> T:
        with self.service.reading() as conn:
            return fn(conn)

    # ------------------------------------------------------------------ list
    def prefetch_opening(self, q: ListQuery, limit: int = PAGE) -> None:
        """Read the first page of ``q`` now, from the first read (``charge-tui`` calls this
        before the app starts, so that the list's first frame already shows the store)."""
        page = self._quick(lambda f: f.first(q, limit)) if FirstRead.serves(q) else None
        self._opening = from_first_page(q, page) if page is not None else None
        if page is not None:
            self.name_stations(page.rows)

    def take_opening(self, q: ListQuery) -> Window | None:
        """The prefetched first page if it answers ``q`` (once; later reads ask the store)."""
        w, self._opening = self._opening, None
        return w if w is not None and w.query == q else None

    def first(self, q: ListQuery, limit: int | None = None) -> Window:
        limit = limit or PAGE
        if FirstRead.serves(q):
            quick = self._quick(lambda f: f.first(q, limit))
            if quick is not None:
                return from_first_page(q, quick)
        return self._read(lambda c: _paging().first(c, q, limit))

    def last(self, q: ListQuery, limit: int | None = None) -> Window:
        return self._read(lambda c: _paging().last(c, q, limit))

    def around(self, q: ListQuery, reservation_id: str, limit: int | None = None) -> Window | None:
        return self._read(lambda c: _paging().around(c, q, reservation_id, limit))

    def forward(self, w: Window, max_rows: int | None = None) -> Window:
        return self._read(lambda c: _paging().forward(c, w, max_rows=max_rows))

    def backward(self, w: Window, max_rows: int | None = None) -> Window:
        return self._read(lambda c: _paging().backward(c, w, max_rows=max_rows))

    def refresh(self, w: Window, keep: str | None, max_rows: int | None = None) -> Window:
        return self._read(lambda c: _paging().refresh(c, w, keep, max_rows=max_rows))

    def counts(self) -> dict[Status, int]:
        counts = self._quick(lambda f: f.counts())
        if counts is None:
            from charge_tui.store import listing

            counts = self._read(lambda c: listing.counts_by_status(c, self._largest))
        self._largest = max(counts, key=lambda s: counts[s]) if any(counts.values()) else None
        return counts

    def token(self) -> tuple:
        token = self._quick(lambda f: f.token())
        if token is not None:
            return token
        from charge_tui.store import listing

        return self._read(listing.change_token)

    # ---------------------------------------------------------------- detail
    def detail(self, reservation_id: str) -> Detail:
        from charge_tui.domain import machine
        from charge_tui.domain.api import reservation_to_api
        from charge_tui.store import queries

        def read(conn: Any) -> tuple[Reservation, list[Event], Station | None]:
            r = queries.require_reservation(conn, reservation_id)
            station = queries.get_station(conn, r.charging_station) if r.charging_station else None
            return r, queries.events_for(conn, reservation_id), station

        r, events, station = self._read(read)
        now = self.now()
        return Detail(
            r,
            reservation_to_api(r),
            tuple(events),
            tuple(machine.allowed_actions(r, now)),
            now,
            station,
        )

    def allowed(self, r: Reservation) -> list[Action]:
        """What the state machine allows now. A row that breaks the invariants (written by some
        other tool) offers nothing rather than taking the console down."""
        from charge_tui.domain import machine  # (imported after the first paint: startup)

        try:
            return machine.allowed_actions(r, self.now())
        except (AssertionError, TypeError, ValueError):
            return []

    def stations(self) -> list[Station]:
        return self.service.stations()

    # ---------------------------------------------------------------- station board
    def board_page(
        self,
        period: Period,
        *,
        after: StationKey | None = None,
        before: StationKey | None = None,
        inclusive: bool = False,
        limit: int = 50,
    ) -> BoardPage:
        """A page of the board's stations with their summaries for ``period`` (see
        ``store/board.py``): ``limit`` of them, whether more follow, and how many come before."""
        from charge_tui.store import board

        def read(conn: Any) -> BoardPage:
            stations = board.station_page(
                conn, after=after, before=before, limit=limit + 1, inclusive=inclusive
            )
            if before is not None:
                stations, more_after = stations[-limit:], True
            else:
                more_after = len(stations) > limit
                stations = stations[:limit]
            position = board.position(conn, board.key_of(stations[0])) if stations else 0
            return BoardPage(
                tuple(board.summaries(conn, stations, period)),
                position,
                board.station_count(conn),
                more_after,
            )

        return self._read(read)

    def board_station(self, station_id: str, period: Period) -> tuple[Station, list[HeldSlot]]:
        """One station with its EVSEs and their held slots in ``period``."""
        from charge_tui.domain.validation import missing
        from charge_tui.store import board, queries

        def read(conn: Any) -> tuple[Station, list[HeldSlot]]:
            station = queries.get_station(conn, station_id)
            if station is None:
                raise missing("station", station_id, "station")
            return station, board.held_slots(conn, [e.id for e in station.evses], period)

        return self._read(read)

    def fault_preview(self, evse_id: str) -> FaultOutcome:
        return self.service.fault_outcome(evse_id, actor="dispatcher", preview=True)

    def fault(self, evse_id: str) -> FaultOutcome:
        return self.service.fault_outcome(evse_id, actor="dispatcher")

    def restore(self, evse_id: str) -> None:
        self.service.restore_evse(evse_id)

    def slot_options(self, reservation_id: str) -> list[SlotOption]:
        return self.service.slot_options(reservation_id)

    def name_stations(self, rows: Iterable[Reservation]) -> None:
        """Learn the names of the stations of ``rows`` (blocking: called by the workers that
        read them). One primary-key look-up for those not known yet; names never change."""
        wanted = sorted(
            {r.charging_station for r in rows if r.charging_station} - self._names.keys()
        )
        if not wanted:
            return
        names = self._quick(lambda f: f.station_names(wanted))
        if names is None:
            from charge_tui.store import board

            names = self._read(lambda c: board.station_names(c, wanted))
        self._names.update(names)

    def station_name(self, station_id: str | None) -> str | None:
        """The name of a station already learnt (:meth:`name_stations`), else None."""
        return self._names.get(station_id) if station_id else None

    # ---------------------------------------------------------------- at risk
    def at_risk(self) -> AtRisk:
        """What needs a dispatcher now (``store/atrisk.py``)."""
        from charge_tui.engine.defaults import DEFAULT_RETRY_INTERVAL
        from charge_tui.store import atrisk

        service = self.service
        now = self.now()

        def read(conn: Any) -> AtRisk:
            if self._grace is None:
                self._grace = atrisk.longest_grace(conn)
            return atrisk.at_risk(
                conn,
                now,
                confirm_lead=service.config.confirm_lead,
                lookahead=DEFAULT_RETRY_INTERVAL,
                grace=self._grace,
            )

        return self._read(read)

    # ---------------------------------------------------------------- KPIs
    def kpis(self, tracker: KpiTracker, prime: bool = False) -> KpiSnapshot:
        """Bring ``tracker`` up to date (``store/kpis.py``: only what is new is read) and return
        what the strip shows. Call it from one worker at a time: it changes ``tracker``."""
        from charge_tui.store import kpis

        now = self.now()
        with self.service.reading(snapshot=True) as conn:
            kpis.refresh(conn, tracker, now, prime_now=prime)
        return tracker.snapshot()

    # ---------------------------------------------------------------- export
    def export(self, q: ListQuery, path: Path, progress: Callable[[int], None]) -> int:
        """Write every reservation of the view ``q`` to ``path`` (CSV or JSON Lines, by its
        name), streamed by keyset from one state of the store; returns the rows written."""
        from charge_tui.domain.export import format_for, write_export

        fmt = format_for(path)
        if fmt is None:
            raise ValueError(f"{path.name}: the name must end in .csv or .jsonl")
        with self.service.view(q) as rows:
            return write_export(rows, fmt, path, progress)

    # ---------------------------------------------------------------- writes
    def create(self, params: dict[str, Any], idempotency_key: str | None) -> Reservation:
        return self.service.create(params, idempotency_key=idempotency_key, actor="dispatcher")

    def act(self, reservation_id: str, action: Action, **kw: Any) -> Reservation:
        return self.service.act(reservation_id, action, actor="dispatcher", **kw)
