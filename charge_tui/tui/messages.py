"""Messages shared between the app and its screens."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class StoreChanged(Message):
    """Something in the store changed (the change token moved). Coalesced: only the newest
    waiting one is kept."""

    def __init__(self, token: tuple) -> None:
        super().__init__()
        self.token = token

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StoreChanged)


class DemoTick(Message):
    """The simulator advanced (demo mode)."""

    def __init__(
        self, now: int, speed: float, paused: bool, kpis: dict[str, Any] | None = None
    ) -> None:
        super().__init__()
        self.now = now
        self.speed = speed
        self.paused = paused
        self.kpis = kpis or {}

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DemoTick)


class TokenRead(Message):
    """The store watcher read the change token."""

    def __init__(self, token: tuple) -> None:
        super().__init__()
        self.token = token


class Restyled(Message):
    """The theme changed: the status colours are new; widgets that painted them repaint."""
