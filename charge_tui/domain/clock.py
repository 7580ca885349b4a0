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

ENV_NOW = "CHARGE_TUI_NOW"


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
    """UNIX seconds, or an ISO 8601 time (naive means UTC)."""
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return int(float(text))
    except ValueError:
        pass
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp())


def clock_from_env(environ: dict[str, str] | None = None) -> Clock:
    env = os.environ if environ is None else environ
    value = env.get(ENV_NOW, "").strip()
    if not value:
        return SystemClock()
    try:
        return FrozenClock(parse_instant(value))
    except ValueError as exc:
        raise ValueError(
            f"{ENV_NOW}={value!r} is neither UNIX seconds nor an ISO 8601 time"
        ) from exc
