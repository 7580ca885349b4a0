"""Reservations per status, always visible; also the status filter (keys 0-6, or a click); and
how many reservations are at risk (counted here, every few seconds and on store changes)."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.events import Click
from textual.message import Message
from textual.widgets import Static

from charge_tui.domain.enums import Status
from charge_tui.tui.data import ConsoleData
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


class RiskChip(Static):
    """How many reservations are at risk (``r`` or a click opens the at-risk view)."""

    def show(self, count: str | None) -> None:
        text = Text()
        text.append("r ", style="dim")
        text.append(
            " at risk ", style=STATUS_STYLE[Status.FAILED] if count not in (None, "0") else "bold"
        )
        text.append("…" if count is None else count)
        self.update(text)

    def on_click(self, event: Click) -> None:
        event.stop()
        self.post_message(CountsBar.RiskPicked())


#: Seconds between counts of what is at risk (the clock alone moves reservations in and out).
RISK_SECONDS = 5.0


class RiskCounted(Message):
    def __init__(self, count: str) -> None:
        super().__init__()
        self.count = count


class CountsBar(Horizontal):
    class Picked(Message):
        def __init__(self, status: Status | None) -> None:
            super().__init__()
            self.status = status

    class RiskPicked(Message):
        """The at-risk chip was clicked."""

    def __init__(self, data: ConsoleData, **kw) -> None:
        super().__init__(**kw)
        self.data = data
        self.counts: dict[Status, int] | None = None
        self.active: Status | None = None
        self.risk: str | None = None

    def compose(self) -> ComposeResult:
        yield CountChip(None, "0")
        for i, status in enumerate(STATUS_KEYS, start=1):
            yield CountChip(status, str(i))
        yield RiskChip(id="count-risk", classes="count-chip")

    def update_risk(self, count: str | None) -> None:
        self.risk = count
        self.query_one(RiskChip).show(count)

    def on_mount(self) -> None:
        self._render_chips()
        # The count needs the store layer: a store opened late (after the first paint) is
        # waited for.
        self.set_interval(RISK_SECONDS, self.count_risk)
        if self.data.is_open:
            self.count_risk()
        else:
            self.set_timer(1.5, self.count_risk)

    def count_risk(self) -> None:
        if self.data.is_open:
            self._risk_worker()

    @work(thread=True, exclusive=True, group="risk", exit_on_error=False)
    def _risk_worker(self) -> None:
        self.post_message(RiskCounted(self.data.at_risk().count_text()))

    @on(RiskCounted)
    def _risk_counted(self, message: RiskCounted) -> None:
        message.stop()
        self.update_risk(message.count)

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
        self.query_one(RiskChip).show(self.risk)
