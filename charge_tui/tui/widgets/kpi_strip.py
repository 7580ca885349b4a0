"""The KPI strip above the list: each figure over the period, with a sparkline per interval.

The strip owns a :class:`KpiTracker` and asks the data door to bring it up to date in a thread
worker (on every store change, and every few seconds: intervals enter as the clock moves); the
worker posts back a :class:`KpiSnapshot`, which the panels show. Figures and their meaning:
``domain/kpis.py``.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Sparkline, Static
from textual.worker import Worker, WorkerState

from charge_tui.domain.kpis import PERIOD_LABEL, KpiSnapshot, KpiTracker, next_period
from charge_tui.domain.timeparse import format_duration
from charge_tui.tui.data import ConsoleData
from charge_tui.tui.views import format_money

#: Seconds between refreshes when the store does not change.
REFRESH_SECONDS = 5.0


def _percent(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.0f}%"


def _count(v: float | None) -> str:
    return "—" if v is None else f"{int(v):,}"


#: (figure, label, how its total is shown)
PANELS: tuple[tuple[str, str, Callable[[KpiSnapshot, float | None], str]], ...] = (
    ("confirmed", "Confirmed", lambda s, v: _count(v)),
    ("failed_no_slot", "Fail: slot", lambda s, v: _count(v)),
    ("failed_payment", "Fail: pay", lambda s, v: _count(v)),
    ("failed_other", "Fail: other", lambda s, v: _count(v)),
    ("cancelled", "Cancelled", lambda s, v: _count(v)),
    ("no_shows", "No-shows", lambda s, v: _count(v)),
    ("acceptance", "Accepted", lambda s, v: _percent(v)),
    ("utilisation", "EVSE use", lambda s, v: _percent(v)),
    ("fees", "Fees", lambda s, v: format_money(int(v or 0), s.currency)),
)


class KpisRead(Message):
    def __init__(self, tracker: KpiTracker, snapshot: KpiSnapshot) -> None:
        super().__init__()
        self.tracker = tracker
        self.snapshot = snapshot


class KpiPanel(Vertical):
    def __init__(self, figure: str, label: str) -> None:
        super().__init__(id=f"kpi-{figure}", classes="kpi-panel")
        self.figure = figure
        self.label = label
        self._shown: tuple[str, tuple[float, ...]] | None = None

    def compose(self) -> ComposeResult:
        yield Static(self.label, classes="kpi-label", markup=False)
        with Horizontal(classes="kpi-line"):
            yield Static("…", classes="kpi-value", markup=False)
            yield Sparkline([], summary_function=max, classes="kpi-spark")

    def show(self, text: str, series: tuple[float, ...]) -> None:
        """Repaint only what changed (the strip is refreshed on every store change)."""
        if (text, series) == self._shown:
            return
        self._shown = (text, series)
        self.query_one(".kpi-value", Static).update(Text(text + " ", style="bold"))
        self.query_one(Sparkline).data = list(series)


class KpiStrip(Vertical):
    """Live KPIs over the last hour, shift or day (``K`` cycles, ``k`` hides the strip)."""

    DEFAULT_CSS = """
    KpiStrip { height: 3; padding: 0 1; background: $panel; }
    KpiStrip #kpi-title { height: 1; color: $text-muted; }
    KpiStrip #kpi-panels { height: 2; }
    KpiStrip .kpi-panel { width: 1fr; height: 2; margin: 0 1 0 0; }
    KpiStrip .kpi-label { height: 1; color: $text-muted; }
    KpiStrip .kpi-line { height: 1; }
    KpiStrip .kpi-value { width: auto; height: 1; }
    KpiStrip .kpi-spark { width: 1fr; height: 1; }
    KpiStrip .kpi-spark > .sparkline--max-color { color: $accent; }
    KpiStrip .kpi-spark > .sparkline--min-color { color: $primary 60%; }
    """

    def __init__(self, data: ConsoleData, period: str = "hour", **kw) -> None:
        super().__init__(**kw)
        self.data = data
        self.tracker = KpiTracker(period)
        self.snapshot: KpiSnapshot | None = None
        self._reading = False
        self._again = False

    def compose(self) -> ComposeResult:
        yield Static("KPIs: reading…", id="kpi-title", markup=False)
        with Horizontal(id="kpi-panels"):
            for figure, label, _fmt in PANELS:
                yield KpiPanel(figure, label)

    def on_mount(self) -> None:
        self.refresh_kpis()
        self.set_interval(REFRESH_SECONDS, self.refresh_kpis)

    @property
    def period(self) -> str:
        return self.tracker.period

    def cycle_period(self) -> None:
        """Switch to the next period (hour → shift → day): a new tracker, primed afresh."""
        self.tracker = KpiTracker(next_period(self.period))
        self.query_one("#kpi-title", Static).update(f"KPIs, {PERIOD_LABEL[self.period]}: reading…")
        self._reading = False
        self.refresh_kpis()

    def refresh_kpis(self) -> None:
        if self._reading:
            self._again = True
            return
        self._reading = True
        self._read(self.tracker)

    @work(thread=True, exclusive=True, group="kpis", exit_on_error=False)
    def _read(self, tracker: KpiTracker) -> None:
        self.post_message(KpisRead(tracker, self.data.kpis(tracker)))

    @on(KpisRead)
    def _read_done(self, message: KpisRead) -> None:
        message.stop()
        if message.tracker is not self.tracker:
            return  # the period changed meanwhile
        self._reading = False
        self.show(message.snapshot)
        if self._again:
            self._again = False
            self.refresh_kpis()

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        # A failed read (shown by the app's error handler) must not stop the next ones.
        if event.worker.group == "kpis" and event.state in (
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self._reading = False

    def show(self, s: KpiSnapshot) -> None:
        if s == self.snapshot:
            return
        self.snapshot = s
        title = Text(f"KPIs, {PERIOD_LABEL[s.period]}", style="bold")
        title.append(
            f" · {len(s.starts)} intervals of {format_duration(s.interval)}   k hide · K period",
            style="dim",
        )
        self.query_one("#kpi-title", Static).update(title)
        for panel in self.query(KpiPanel):
            fmt = next(f for fig, _l, f in PANELS if fig == panel.figure)
            panel.show(fmt(s, s.totals.get(panel.figure)), s.series[panel.figure])
