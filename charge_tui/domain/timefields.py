"""The four times of a create request, typed by people: each may be text that
:func:`~charge_tui.domain.timeparse.parse_time` reads (UNIX seconds, a date, an offset from now
such as ``+90m``), and the later ones may be relative to the request's own times:

- ``start`` is the preferred start and ``end`` the preferred end, each optionally followed by an
  offset: ``preferred_end_time=start+45m``, ``latest_end_time=end+30m``,
  ``earliest_start_time=start-15m``;
- ``preferred_start_time`` takes neither (it is the anchor) and ``preferred_end_time`` only
  ``start``;
- an offset alone (``+45m``) is always from now, in every field.

The command line and the console's form both read times through :func:`resolve_times`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import tzinfo
from typing import Any

from charge_tui.domain.errors import PARAMETER_INVALID, ChargeError
from charge_tui.domain.timeparse import TimeParseError, parse_time

#: The time parameters, in the order they are resolved, with the anchors each may name.
TIME_PARAMS: dict[str, tuple[str, ...]] = {
    "preferred_start_time": (),
    "preferred_end_time": ("start",),
    "earliest_start_time": ("start", "end"),
    "latest_end_time": ("start", "end"),
}
_ANCHOR_PARAM = {"start": "preferred_start_time", "end": "preferred_end_time"}
_ANCHORED = re.compile(r"^\s*(start|end)\b\s*(.*)$", re.IGNORECASE)

HINT = "a time: UNIX seconds, a date (2026-11-25 18:00), an offset from now (+2h, +1d)"


def parse_field(
    param: str, text: str, now: int, zone: tzinfo | None, times: Mapping[str, Any]
) -> int:
    """The time ``text`` names for ``param``, given the times already resolved (``times``)."""
    m = _ANCHORED.match(text)
    if m is None:
        try:
            return parse_time(text, now, zone)
        except TimeParseError as exc:
            raise _error(param, f"{exc}; write {_hint(param)}") from None
    anchor, rest = m.group(1).lower(), m.group(2).strip()
    if anchor not in TIME_PARAMS[param]:
        allowed = " or ".join(TIME_PARAMS[param])
        if not allowed:
            raise _error(param, f"is the anchor of the others and cannot be relative to {anchor!r}")
        raise _error(param, f"may be relative to {allowed}, not {anchor!r}")
    base = times.get(_ANCHOR_PARAM[anchor])
    if isinstance(base, bool) or not isinstance(base, int):
        raise _error(param, f"{anchor!r} needs a valid {_ANCHOR_PARAM[anchor]}")
    if not rest:
        return base
    if rest[0] not in "+-":
        raise _error(param, f"write {anchor}+45m or {anchor}-15m after {anchor!r}")
    try:
        return parse_time(rest, base, zone)
    except TimeParseError as exc:
        raise _error(param, f"{exc}; write an offset such as {anchor}+45m") from None


def resolve_times(
    params: Mapping[str, Any], now: int, zone: tzinfo | None = None
) -> dict[str, Any]:
    """``params`` with every time given as text read as UNIX seconds (other values as they are:
    validation judges them). Raises the ``parameter_invalid`` error naming the field."""
    out = dict(params)
    for param in TIME_PARAMS:
        value = out.get(param)
        if isinstance(value, str):
            out[param] = parse_field(param, value, now, zone, out)
    return out


def _hint(param: str) -> str:
    anchors = TIME_PARAMS[param]
    if not anchors:
        return HINT
    return HINT + ", or " + " / ".join(f"{a}+45m" for a in anchors)


def _error(param: str, message: str) -> ChargeError:
    return ChargeError(PARAMETER_INVALID, f"{param}: {message}.", param)
