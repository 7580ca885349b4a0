"""What the console's list asks for, as plain data: the order, the filter, the search, a page.

No SQL here (and no SQLAlchemy import), so the console can build its first screen before the
store layer is imported; ``listing.py`` answers these in SQL, ``firstread.py`` answers the first
page with the standard library's ``sqlite3``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from charge_tui.domain.enums import Status
from charge_tui.domain.ids import RESERVATION_ID_RE
from charge_tui.domain.model import Reservation


class SortKey(StrEnum):
    CREATED = "created"
    PREFERRED = "preferred_start_time"
    UPDATED = "updated"

    @property
    def label(self) -> str:
        return {"created": "created", "preferred_start_time": "start", "updated": "updated"}[
            self.value
        ]


#: Position in an order: (sort value, id).
Cursor = tuple[int, str]


@dataclass(frozen=True, slots=True)
class ListQuery:
    """What the list shows: a status filter, a search text, an order."""

    status: Status | None = None
    search: str = ""
    sort: SortKey = SortKey.CREATED
    descending: bool = True

    def cursor_of(self, r: Reservation) -> Cursor:
        return (int(getattr(r, self.sort.value)), r.id)


@dataclass(frozen=True, slots=True)
class ListPage:
    """Rows in display order, and whether (and from where) the walk can go on."""

    rows: tuple[Reservation, ...]
    #: More rows may exist further in the direction of the fetch.
    more: bool
    #: Where to continue in that direction (after the last row, or where a bounded scan stopped).
    resume: Cursor | None
    #: Rows a bounded scan tested (0 when an index answered).
    scanned: int = 0


# ------------------------------------------------------------------------------ search


@dataclass(frozen=True, slots=True)
class SearchPlan:
    """How a search text is answered. ``kind``: ``none``, ``id``, ``prefix`` or ``substring``."""

    kind: str
    text: str = ""
    column: str | None = None

    @property
    def label(self) -> str:
        """What the console's status line calls this search: "exact id", "driver id prefix",
        "text"..."""
        if self.kind == "prefix":
            return f"{PREFIX_LABELS.get(self.column or '', 'id')} prefix"
        return {"id": "exact id", "substring": "text"}.get(self.kind, "")

    @property
    def index_name(self) -> str | None:
        """The index serving a prefix search (SQLite's name; the tests check the plans)."""
        return PREFIX_INDEX.get(self.column or "")


#: Id prefixes and the column (and index) a prefix search on them uses.
PREFIX_COLUMNS = {
    "rsv_": "id",
    "drv_": "driver",
    "veh_": "vehicle",
    "sta_": "charging_station",
    "evse_": "evse",
}
#: What each prefix column is called on screen.
PREFIX_LABELS = {
    "id": "reservation id",
    "driver": "driver id",
    "vehicle": "vehicle id",
    "charging_station": "station id",
    "evse": "EVSE id",
}
PREFIX_INDEX = {
    # The primary key's own index (SQLite names it so): without the hint a prefix of ids under a
    # status filter walks the whole status range in order, testing every id.
    "id": "sqlite_autoindex_reservations_1",
    "driver": "ix_reservations_driver",
    "vehicle": "ix_reservations_vehicle",
    "charging_station": "ix_reservations_station",
    "evse": "ix_reservations_evse_start",
}
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def plan_search(text: str) -> SearchPlan:
    text = text.strip()
    if not text:
        return SearchPlan("none")
    if RESERVATION_ID_RE.match(text):
        return SearchPlan("id", text, "id")
    for prefix, column in PREFIX_COLUMNS.items():
        if text.startswith(prefix) and set(text) <= _ID_CHARS:
            return SearchPlan("prefix", text, column)
    return SearchPlan("substring", text)


def _prefix_upper(text: str) -> str:
    """The smallest string greater than every string starting with ``text``."""
    return text[:-1] + chr(ord(text[-1]) + 1)


def _pair_text(text: str) -> str:
    """``key=value`` as it appears in the stored metadata JSON (the value as a prefix)."""
    key, _, value = text.partition("=")
    return json.dumps(key.strip()) + ":" + json.dumps(value.strip())[:-1]


def row_matches(q: ListQuery, r: Reservation, named_stations: frozenset[str] = frozenset()) -> bool:
    """The status filter and the search of ``q`` on one reservation, in Python: the same test as
    :func:`search_predicate` (IDs and the stored metadata JSON are ASCII, so lower-casing agrees
    with SQL's). ``named_stations``: the stations whose name matches the search text."""
    if q.status is not None and r.status is not q.status:
        return False
    plan = plan_search(q.search)
    if plan.kind == "none":
        return True
    if plan.kind == "id":
        return r.id == plan.text
    if plan.kind == "prefix":
        value = _column_value(r, plan.column or "")
        return value is not None and value.startswith(plan.text)
    meta = json.dumps(dict(r.metadata), sort_keys=True, separators=(",", ":")).lower()
    if "=" in plan.text:
        return _pair_text(plan.text).lower() in meta
    needle = plan.text.lower()
    fields = (r.id, r.driver, r.vehicle, r.charging_station, r.evse)
    return (
        any(f is not None and needle in f.lower() for f in fields)
        or r.charging_station in named_stations
        or json.dumps(plan.text)[1:-1].lower() in meta
    )


def _column_value(r: Reservation, column: str) -> str | None:
    return {
        "id": r.id,
        "driver": r.driver,
        "vehicle": r.vehicle,
        "charging_station": r.charging_station,
        "evse": r.evse,
    }.get(column)
