"""The one clock the program reads.

Real time by default. ``CHARGE_TUI_NOW`` (UNIX seconds or an ISO 8601 time; naive times are UTC)
freezes it, so tests, demos and screenshots are reproducible. The simulator uses a
:class:`SimulatedClock` that it advances itself.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from typing import Protocol

from charge_tui.domain.errors import ConfigError

ENV_NOW = "CHARGE_TUI_NOW"
#: The times the program works with: from 1970 to the start of the year 3000 (UTC). Beyond, dates
#: cannot be shown and ids could not keep their time order.
EARLIEST = 0
LATEST = 32_503_680_000


class Clock(Protocol):
    def now(self) -> int: ...


class SystemClock:
    def now(self) -> int:
        return int(time.time())


class FrozenClock:
    def __init__(self, at: int) -> None:
        self.at = int(at)

    def now(self) -> int:
        return self.at


class SimulatedClock:
    """A clock that only moves when told to (the simulator's)."""

    def __init__(self, start: int) -> None:
        self._t = int(start)

    def now(self) -> int:
        return self._t

    def advance_to(self, t: int) -> None:
        if t > self._t:
            self._t = int(t)

    def advance(self, seconds: int) -> None:
        self._t += int(seconds)


def parse_instant(text: str) -> int:
    """UNIX seconds, or an ISO 8601 time (naive means UTC), between :data:`EARLIEST` and
    :data:`LATEST`; ``ValueError`` otherwise."""
    text = text.strip()
    if len(text) > 40:
        raise ValueError("not a time")
    try:
        t = float(text)
    except ValueError:
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("neither UNIX seconds nor an ISO 8601 time") from None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        t = dt.timestamp()
    if not EARLIEST <= t <= LATEST:  # also NaN
        raise ValueError("outside the years 1970-2999")
    return int(t)


def env_now(environ: dict[str, str] | None = None) -> int | None:
    """``CHARGE_TUI_NOW`` as UNIX seconds (None when unset); :class:`ConfigError` if invalid."""
    env = os.environ if environ is None else environ
    value = env.get(ENV_NOW, "").strip()
    if not value:
        return None
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise ConfigError(
            f"{ENV_NOW}={value[:40]!r} is not a time: {exc} (give UNIX seconds or ISO 8601)"
        ) from None


def clock_from_env(environ: dict[str, str] | None = None) -> Clock:
    at = env_now(environ)
    return SystemClock() if at is None else FrozenClock(at)
