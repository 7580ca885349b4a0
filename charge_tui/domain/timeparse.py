"""Times as people type them: ``2026-11-25 18:00`` (anything python-dateutil parses, local time
zone unless the text names one), offsets from now (``+90m``, ``+2h``, ``+1d``, ``+1h30m``,
``-15m``, ``+90 minutes``, ``+1 hour 30 min``), or raw UNIX seconds (``1764093600``)."""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from dateutil import tz

from charge_tui.domain.clock import EARLIEST, LATEST

_UNIT_WORDS = r"(?:s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?)"
_OFFSET_RE = re.compile(rf"^([+-])\s*((?:\d+\s*{_UNIT_WORDS}\s*,?\s*(?:and\s+)?)+)$", re.IGNORECASE)
_PART_RE = re.compile(rf"(\d+)\s*({_UNIT_WORDS})(?![a-z])", re.IGNORECASE)
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class TimeParseError(ValueError):
    pass


def local_zone() -> tzinfo:
    zone = tz.tzlocal()
    return zone if zone is not None else tz.UTC


def parse_time(text: str, now: int, zone: tzinfo | None = None) -> int:
    """UNIX seconds for ``text``; raises :class:`TimeParseError` with a readable message."""
    raw = text.strip()
    if not raw:
        raise TimeParseError("empty")
    if len(raw) > 100:
        raise TimeParseError("too long to be a time")
    return _in_range(_parse(raw, now, zone))


def _in_range(t: int) -> int:
    if not EARLIEST <= t <= LATEST:
        raise TimeParseError("outside the years 1970-2999")
    return t


def _parse(raw: str, now: int, zone: tzinfo | None) -> int:
    if raw.lower() == "now":
        return now
    m = _OFFSET_RE.match(raw)
    if m:
        sign = -1 if m.group(1) == "-" else 1
        total = sum(int(n) * _UNIT[u[0].lower()] for n, u in _PART_RE.findall(m.group(2)))
        return now + sign * total
    if re.fullmatch(r"\d{9,11}", raw):
        return int(raw)
    zone = zone or local_zone()
    default = datetime.fromtimestamp(now, zone).replace(hour=0, minute=0, second=0, microsecond=0)
    from dateutil import parser as dateparser  # ~10 ms to import: only when parsing text

    try:
        dt = dateparser.parse(raw, default=default)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=zone)
        return int(dt.timestamp())
    except (ValueError, OverflowError, OSError) as exc:
        raise TimeParseError(f"cannot read {raw!r} as a time") from exc


def format_duration(seconds: int) -> str:
    sign = "-" if seconds < 0 else ""
    seconds = abs(int(seconds))
    d, rem = divmod(seconds, 86400)
    h, rem = divmod(rem, 3600)
    m = rem // 60
    parts = []
    if d:
        parts.append(f"{d}d")
    if h:
        parts.append(f"{h}h")
    if m or not parts:
        parts.append(f"{m}m")
    return sign + "".join(parts)
