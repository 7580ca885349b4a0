"""Reservations per status, always visible; also the status filter (keys 0-6, or a click)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.events import Click
from textual.message import Message
from textual.widgets import Static

from charge_tui.domain.enums import Status
from charge_tui.tui.keys import STATUS_KEYS
from charge_tui.tui.views import STATUS_STYLE


class CountChip(Static):
    """One status (or "all") with its key and count; click to filter by it."""

    def __init__(self, status: Status | None, key: str) -> None:
        name = status.value if status else "all"
        super().__init__(id=f"count-{name}", classes="count-chip")
        self.status = status
        self.key = key
        self.count: int | None = None

    def show(self, count: int | None, active: bool) -> None:
        self.count = count
        self.set_class(active, "-active")
        label = self.status.value if self.status else "all"
        text = Text()
        text.append(f"{self.key} ", style="bold reverse" if active else "dim")
        text.append(f" {label} ", style=STATUS_STYLE[self.status] if self.status else "bold")
        text.append("…" if count is None else f"{count:,}")
        self.update(text)

    def on_click(self, event: Click) -> None:
        event.stop()
        self.post_message(CountsBar.Picked(self.status))


class CountsBar(Horizontal):
    class Picked(Message):
        def __init__(self, status: Status | None) -> None:
            super().__init__()
            self.status = status

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.counts: dict[Status, int] | None = None
        self.active: Status | None = None

    def compose(self) -> ComposeResult:
        yield CountChip(None, "0")
        for i, status in enumerate(STATUS_KEYS, start=1):
            yield CountChip(status, str(i))

    def on_mount(self) -> None:
        self._render_chips()

    def update_counts(self, counts: dict[Status, int] | None, active: Status | None) -> None:
        self.counts = counts
        self.active = active
        self._render_chips()

    def _render_chips(self) -> None:
        counts = self.counts
        total = sum(counts.values()) if counts is not None else None
        for chip in self.query(CountChip):
            n = total if chip.status is None else (counts or {}).get(chip.status)
            chip.show(n if counts is not None else None, chip.status == self.active)
