"""Pure helpers that turn domain objects into what the screens show. No Textual, no I/O.

Kept apart from the widgets so that the snapshot of a table, the diff between two snapshots and the
event timeline can be tested as plain functions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from rich.text import Text

from charge_tui.domain.enums import Status
from charge_tui.domain.model import Event, Reservation, Station
from charge_tui.domain.text import printable
from charge_tui.domain.timeparse import format_duration, local_zone

#: The style of each status; the console replaces these defaults with its theme's colours
#: (:func:`set_status_styles`, ``tui/theming.py``).
STATUS_STYLE: dict[Status, str] = {
    Status.PENDING: "bold #e5c07b",
    Status.CONFIRMED: "bold #61afef",
    Status.COMPLETED: "bold #98c379",
    Status.CANCELLED: "#8b95a7",
    Status.FAILED: "bold #e06c75",
    Status.EXPIRED: "#c678dd",
}

ZERO_DECIMAL = frozenset({"jpy", "krw", "vnd", "clp", "isk", "ugx", "xof", "xaf"})
CURRENCY_SIGN = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "cny": "¥", "cad": "C$"}


def set_status_styles(styles: Mapping[Status, str]) -> None:
    """Use ``styles`` for the statuses from now on (rows made before keep their style)."""
    STATUS_STYLE.update(styles)


def status_text(status: Status) -> Text:
    return Text(status.value, style=STATUS_STYLE[status])


def format_money(amount: int, currency: str) -> str:
    cur = currency.lower()
    value = str(amount) if cur in ZERO_DECIMAL else f"{amount / 100:.2f}"
    sign = CURRENCY_SIGN.get(cur)
    return f"{sign}{value}" if sign else f"{value} {cur.upper()}"


def format_time(ts: int | None, zone: tzinfo | None = None) -> str:
    if ts is None:
        return "—"
    return datetime.fromtimestamp(ts, zone or local_zone()).strftime("%Y-%m-%d %H:%M:%S")


def format_window(start: int, end: int, zone: tzinfo | None = None) -> str:
    """``11-18 18:00–19:30`` (``+1d`` when the window ends on a later day)."""
    zone = zone or local_zone()
    a = datetime.fromtimestamp(start, zone)
    b = datetime.fromtimestamp(end, zone)
    days = (b.date() - a.date()).days
    tail = f"+{days}d" if days else ""
    return f"{a:%m-%d %H:%M}–{b:%H:%M}{tail}"


def format_relative(ts: int, now: int) -> str:
    delta = ts - now
    if abs(delta) < 60:
        return "now"
    return f"in {format_duration(delta)}" if delta > 0 else f"{format_duration(-delta)} ago"


# ------------------------------------------------------------------------------ list rows

#: (key, title, minimum width, share of the spare width)
COLUMNS: tuple[tuple[str, str, int, int], ...] = (
    ("id", "ID", 28, 0),
    ("status", "Status", 9, 0),
    ("driver", "Driver", 10, 2),
    ("vehicle", "Vehicle", 10, 2),
    ("connectors", "Connectors", 10, 2),
    ("window", "Preferred window", 17, 0),
    ("station", "Station", 10, 3),
    ("fee", "Fee", 5, 0),
)


#: Columns dropped first when the terminal is too narrow for all of them.
DROP_ORDER = ("fee", "connectors", "station", "vehicle")


def column_widths(total: int, padding: int = 1) -> dict[str, int]:
    """Widths of the columns shown in a table ``total`` cells wide, in display order: minimums,
    then the spare by share; on a narrow terminal the least useful columns are left out."""
    columns = list(COLUMNS)

    def fixed() -> int:
        return sum(c[2] for c in columns) + 2 * padding * len(columns)

    for key in DROP_ORDER:
        if fixed() <= total:
            break
        columns = [c for c in columns if c[0] != key]
    spare = max(0, total - fixed())
    shares = sum(c[3] for c in columns)
    widths = {key: minimum for key, _t, minimum, _s in columns}
    given = 0
    for key, _t, _m, share in columns:
        extra = spare * share // shares if shares else 0
        widths[key] += extra
        given += extra
    # Whatever the integer division left goes to the last column that takes a share.
    last = next((c[0] for c in reversed(columns) if c[3]), columns[-1][0])
    widths[last] += spare - given
    return widths


Cell = str | Text


@dataclass(frozen=True, slots=True)
class RowView:
    key: str
    cells: tuple[Cell, ...]


def row_view(
    r: Reservation, zone: tzinfo | None = None, station_name: str | None = None
) -> RowView:
    """A list row; the station by its name when known (its id otherwise)."""
    return RowView(
        r.id,
        (
            r.id,
            status_text(r.status),
            r.driver,
            r.vehicle,
            ",".join(c.value for c in r.connector_types),
            format_window(r.preferred_start_time, r.preferred_end_time, zone),
            station_name or r.charging_station or "—",
            format_money(r.reservation_fee, r.currency),
        ),
    )


@dataclass(frozen=True, slots=True)
class TableDiff:
    """What to do to a table showing ``old`` so that it shows ``new`` (keyed by row key)."""

    removed: tuple[str, ...] = ()
    added: tuple[RowView, ...] = ()
    #: (row key, column index, new value)
    changed: tuple[tuple[str, int, Cell], ...] = ()
    #: The new order of row keys, when it differs from the old order after removals/additions.
    order: tuple[str, ...] | None = None

    @property
    def empty(self) -> bool:
        return not (self.removed or self.added or self.changed or self.order)


def _same(a: Cell, b: Cell) -> bool:
    if isinstance(a, Text) and isinstance(b, Text):
        return a.plain == b.plain and str(a.style) == str(b.style)
    return a == b


def diff_rows(old: Sequence[RowView], new: Sequence[RowView]) -> TableDiff:
    """A keyed diff: rows gone, rows new, cells changed, and the order if it changed."""
    old_by_key = {r.key: r for r in old}
    new_keys = [r.key for r in new]
    new_set = set(new_keys)
    removed = tuple(r.key for r in old if r.key not in new_set)
    added = tuple(r for r in new if r.key not in old_by_key)
    changed: list[tuple[str, int, Cell]] = []
    for r in new:
        before = old_by_key.get(r.key)
        if before is None:
            continue
        for i, (a, b) in enumerate(zip(before.cells, r.cells, strict=True)):
            if not _same(a, b):
                changed.append((r.key, i, b))
    # Table order after removing and appending (add_row appends at the end).
    after_ops = [r.key for r in old if r.key in new_set] + [r.key for r in added]
    order = tuple(new_keys) if after_ops != new_keys else None
    return TableDiff(removed, added, tuple(changed), order)


# ------------------------------------------------------------------------------ inspect


def field_rows(
    r: Reservation, now: int, zone: tzinfo | None = None, station: Station | None = None
) -> list[tuple[str, Cell]]:
    """Every field of the reservation, formatted for people (times in local time); with its
    ``station``, the station by name and address and the EVSE's connectors and power."""

    def when(ts: int | None) -> str:
        if ts is None:
            return "—"
        return f"{format_time(ts, zone)}  ({format_relative(ts, now)})"

    policy = r.cancellation_policy
    area = r.service_area
    meta = printable(", ".join(f"{k}={v}" for k, v in sorted(r.metadata.items()))) or "—"
    return [
        ("id", r.id),
        ("status", status_text(r.status)),
        ("created", when(r.created)),
        ("updated", when(r.updated)),
        ("driver", r.driver),
        ("vehicle", r.vehicle),
        ("connector types", ", ".join(c.value for c in r.connector_types)),
        ("preferred start", when(r.preferred_start_time)),
        ("preferred end", when(r.preferred_end_time)),
        ("duration", format_duration(r.duration)),
        ("earliest start", when(r.earliest_start_time)),
        ("latest end", when(r.latest_end_time)),
        (
            "service area",
            f"{area.latitude:.5f}, {area.longitude:.5f}  radius {area.radius_meters:,} m",
        ),
        ("metadata", meta),
        ("payment method", r.payment_method or "—"),
        ("reservation fee", format_money(r.reservation_fee, r.currency)),
        ("free cancel until", when(policy.free_cancellation_until)),
        ("late cancel fee", format_money(policy.late_cancellation_fee, r.currency)),
        ("no-show fee", format_money(policy.no_show_fee, r.currency)),
        ("grace period", format_duration(policy.grace_period_seconds)),
        ("charging station", station_text(r, station)),
        ("evse", r.evse or "—"),
        ("evse port", evse_text(r, station)),
        ("confirmed at", when(r.confirmed_at)),
        ("scheduled start", when(r.scheduled_start_time)),
        ("scheduled end", when(r.scheduled_end_time)),
        ("failure reason", r.failure_reason.value if r.failure_reason else "—"),
        ("fees charged", format_money(r.fees_charged, r.currency)),
        ("version", str(r.version)),
    ]


def station_text(r: Reservation, station: Station | None) -> str:
    if not r.charging_station:
        return "—"
    if station is None or station.id != r.charging_station:
        return r.charging_station
    return f"{station.name}, {station.address}  ({station.id})"


def evse_text(r: Reservation, station: Station | None) -> str:
    if not r.evse:
        return "—"
    evse = next((e for e in station.evses if e.id == r.evse), None) if station else None
    if evse is None:
        return "—"
    out = f"{', '.join(c.value for c in evse.connector_types)} · {evse.power_kw:.0f} kW"
    return out + (" · OUT OF ORDER" if evse.status.value != "available" else "")


_TIME_FIELDS = frozenset(
    {
        "created",
        "preferred_start_time",
        "preferred_end_time",
        "earliest_start_time",
        "latest_end_time",
        "confirmed_at",
        "scheduled_start_time",
        "scheduled_end_time",
        "free_cancellation_until",
    }
)


def _short(key: str, value: Any, zone: tzinfo | None) -> str:
    if value is None:
        return "—"
    if key in _TIME_FIELDS and isinstance(value, int):
        return datetime.fromtimestamp(value, zone or local_zone()).strftime("%m-%d %H:%M")
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    created: int
    actor: str
    type: str
    changes: tuple[str, ...] = field(default_factory=tuple)
    note: str = ""


def timeline(
    events: Sequence[Event], current: Mapping[str, Any], zone: tzinfo | None = None
) -> list[TimelineEntry]:
    """The event log with each change as ``field: before → after``.

    Events store the previous values of what changed; the values after an event are those before
    the next one, so the log is replayed backwards from the current API object."""
    after = dict(current)
    out: list[TimelineEntry] = []
    for e in reversed(events):
        before = dict(after)
        before.update(e.previous)
        changes = []
        for key, prev in e.previous.items():
            cur = after.get(key)
            if isinstance(prev, dict) and isinstance(cur, dict) and key != "metadata":
                for sub in sorted(set(prev) | set(cur)):
                    if prev.get(sub) != cur.get(sub):
                        changes.append(
                            f"{sub}: {_short(sub, prev.get(sub), zone)} → "
                            f"{_short(sub, cur.get(sub), zone)}"
                        )
            else:
                changes.append(f"{key}: {_short(key, prev, zone)} → {_short(key, cur, zone)}")
        notes = []
        from charge_tui.domain.api import event_to_api  # (the timeline only: startup)

        data = event_to_api(e)["data"] or {}
        if data.get("fee_charged"):
            notes.append(f"fee {format_money(int(data['fee_charged']), str(current['currency']))}")
        if data.get("no_show"):
            notes.append("no-show")
        out.append(TimelineEntry(e.created, e.actor, e.type, tuple(changes), ", ".join(notes)))
        after = before
    out.reverse()
    return out
