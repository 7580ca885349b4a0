"""One station's EVSEs over time: a row per EVSE, its held slots as blocks on a shared time axis.

Each character cell of a row stands for ``period.span / width`` seconds; a cell shows the slot
that covers most of it, so a slot shorter than a cell still shows as one cell. Consecutive blocks
start with a thin edge, wide ones carry the driver's id, "now" is a vertical mark, free time is a
dim dot, an out-of-order EVSE is crossed out. The cursor is an EVSE row and, on it, one block:
``left``/``right`` walk the blocks, ``enter`` opens the block's reservation. Colours come from the
component classes below, which use the theme's variables.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, tzinfo

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from charge_tui.domain.board import HOUR, HeldSlot, Period, faulted
from charge_tui.domain.enums import Status
from charge_tui.domain.model import Station
from charge_tui.tui import keys

#: Cells given to each row's label (EVSE id, connectors, power).
LABEL = 34


@dataclass(frozen=True, slots=True)
class Shown:
    """What the widget draws: a station's EVSEs and their slots in a period, at a time."""

    station: Station
    slots: tuple[HeldSlot, ...]
    period: Period
    now: int


def tick_step(span: int) -> int:
    """Seconds between labelled ticks on the axis."""
    return HOUR if span <= 8 * HOUR else 3 * HOUR


class EvseTimelines(Widget, can_focus=True):
    BINDINGS = keys.TIMELINE
    COMPONENT_CLASSES = {
        "timeline--label",
        "timeline--label-cursor",
        "timeline--axis",
        "timeline--free",
        "timeline--confirmed",
        "timeline--completed",
        "timeline--edge",
        "timeline--cursor",
        "timeline--now",
        "timeline--faulted",
    }
    DEFAULT_CSS = """
    EvseTimelines { height: auto; min-height: 3; padding: 0 1; }
    EvseTimelines > .timeline--label { color: $text; }
    EvseTimelines > .timeline--label-cursor { background: $boost; text-style: bold; }
    EvseTimelines:focus > .timeline--label-cursor { background: $accent 40%; }
    EvseTimelines > .timeline--axis { color: $text-muted; }
    EvseTimelines > .timeline--free { color: $text-disabled; }
    EvseTimelines > .timeline--confirmed { background: $primary 70%; color: $text; }
    EvseTimelines > .timeline--completed { background: $success 45%; color: $text; }
    EvseTimelines > .timeline--edge { color: $background; }
    EvseTimelines > .timeline--cursor { background: $accent; color: $text; text-style: bold; }
    EvseTimelines > .timeline--now { color: $warning; text-style: bold; }
    EvseTimelines > .timeline--faulted { color: $error; }
    """

    class Open(Message):
        """``enter`` on a block: open its reservation."""

        def __init__(self, reservation_id: str) -> None:
            super().__init__()
            self.reservation_id = reservation_id

    class EvseAction(Message):
        """``F`` (fault) or ``R`` (restore) on the EVSE under the cursor."""

        def __init__(self, action: str, evse_id: str) -> None:
            super().__init__()
            self.action = action
            self.evse_id = evse_id

    class Moved(Message):
        """The cursor moved (``by_key``) or what it is on was redrawn: the screen shows it."""

        def __init__(self, by_key: bool) -> None:
            super().__init__()
            self.by_key = by_key

    def __init__(self, zone: tzinfo, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.zone = zone
        self.shown: Shown | None = None
        self.row = 0
        #: The reservation id of the selected block, if any (kept across refreshes).
        self.selected: str | None = None
        self._by_evse: dict[str, list[HeldSlot]] = {}

    # ------------------------------------------------------------------ data
    def show(self, shown: Shown | None) -> None:
        """Draw ``shown``; the cursor stays on the same EVSE and block where they still are."""
        old = self.shown
        keep_evse = self.evse_id
        self.shown = shown
        by_evse: dict[str, list[HeldSlot]] = defaultdict(list)
        for slot in shown.slots if shown else ():
            by_evse[slot.evse].append(slot)
        self._by_evse = dict(by_evse)
        evses = shown.station.evses if shown else ()
        if old is None or shown is None or old.station.id != shown.station.id:
            self.row, self.selected = 0, None
        else:
            ids = [e.id for e in evses]
            self.row = ids.index(keep_evse) if keep_evse in ids else min(self.row, len(ids) - 1)
        if self.selected is not None and self.selected not in {
            s.reservation_id for s in self.slots_of_row()
        }:
            self.selected = None
        self.refresh(layout=True)
        self.post_message(self.Moved(False))

    @property
    def evse_id(self) -> str | None:
        if self.shown is None or not self.shown.station.evses:
            return None
        return self.shown.station.evses[max(0, self.row)].id

    def slots_of_row(self) -> list[HeldSlot]:
        evse = self.evse_id
        if evse is None or self.shown is None:
            return []
        p = self.shown.period
        return [s for s in self._by_evse.get(evse, ()) if s.end > p.start and s.start < p.end]

    @property
    def selected_slot(self) -> HeldSlot | None:
        return next((s for s in self.slots_of_row() if s.reservation_id == self.selected), None)

    # ------------------------------------------------------------------ keys
    def _move_row(self, delta: int) -> None:
        if self.shown is None or not self.shown.station.evses:
            return
        self.row = max(0, min(len(self.shown.station.evses) - 1, self.row + delta))
        self.selected = None
        self.refresh()
        self.post_message(self.Moved(True))

    def action_row(self, delta: int) -> None:
        self._move_row(delta)

    def action_block(self, delta: int) -> None:
        slots = self.slots_of_row()
        if not slots or self.shown is None:
            return
        ids = [s.reservation_id for s in slots]
        if self.selected in ids:
            i = max(0, min(len(ids) - 1, ids.index(self.selected) + delta))
        else:
            # From nothing: the first block after now going right, the last before it going left.
            starts = [s.start for s in slots]
            i = bisect_right(starts, self.shown.now)
            i = min(i, len(ids) - 1) if delta > 0 else max(0, i - 1)
        self.selected = ids[i]
        self.refresh()
        self.post_message(self.Moved(True))

    def action_open(self) -> None:
        if self.selected is not None:
            self.post_message(self.Open(self.selected))

    def action_evse(self, action: str) -> None:
        if self.evse_id is not None:
            self.post_message(self.EvseAction(action, self.evse_id))

    # ------------------------------------------------------------------ drawing
    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 1 + (len(self.shown.station.evses) if self.shown else 1)

    def render_line(self, y: int) -> Strip:
        width = self.size.width - self.styles.gutter.width
        if self.shown is None:
            return Strip([Segment("Loading…" if y == 0 else "")]) if width > 0 else Strip.blank(0)
        if y == 0:
            return self._strip(self._axis(width), width)
        evses = self.shown.station.evses
        if not evses:
            return self._strip(Text("No EVSEs." if y == 1 else ""), width)
        if y - 1 >= len(evses):
            return Strip.blank(width)
        return self._strip(self._row(y - 1, width), width)

    def _strip(self, text: Text, width: int) -> Strip:
        text.truncate(width, pad=True)
        return Strip(list(text.render(self.app.console)), width)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"timeline--{name}", partial=True)

    def _axis(self, width: int) -> Text:
        assert self.shown is not None
        p = self.shown.period
        bar = max(1, width - LABEL)
        day = datetime.fromtimestamp(p.start, self.zone).strftime("%a %d %b")
        out = Text(f"{day:<{LABEL}}", style=self._style("axis"))
        cells = [" "] * bar
        step = tick_step(p.span)
        t = -(-p.start // step) * step
        while t < p.end:
            i = (t - p.start) * bar // p.span
            label = "╵" + datetime.fromtimestamp(t, self.zone).strftime("%H:%M")
            for k, ch in enumerate(label):
                if i + k < bar:
                    cells[i + k] = ch
            t += step
        out.append("".join(cells), style=self._style("axis"))
        return out

    def _row(self, index: int, width: int) -> Text:
        assert self.shown is not None
        evse = self.shown.station.evses[index]
        is_cursor = index == self.row
        connectors = ",".join(c.value for c in evse.connector_types)
        label = f"{evse.id[:14]:<14} {connectors[:13]:<13} {evse.power_kw:>3.0f}kW "
        out = Text(
            label[:LABEL].ljust(LABEL), style=self._style("label-cursor" if is_cursor else "label")
        )
        bar = max(1, width - LABEL)
        p = self.shown.period
        now_cell = (
            (self.shown.now - p.start) * bar // p.span if p.start <= self.shown.now < p.end else -1
        )
        if faulted(evse):
            note = " out of order "[:bar]
            left = (bar - len(note)) // 2
            style = self._style("faulted")
            out.append("╳" * left, style=style)
            out.append(note, style=style + Style(bold=True, reverse=True))
            out.append("╳" * (bar - left - len(note)), style=style)
            return out
        owner = self._owners(self._by_evse.get(evse.id, []), bar)
        i = 0
        while i < bar:
            slot = owner[i]
            j = i
            while j + 1 < bar and owner[j + 1] is slot:
                j += 1
            out.append_text(self._run(slot, j - i + 1, is_cursor))
            i = j + 1
        if now_cell >= 0:
            style = out.get_style_at_offset(self.app.console, LABEL + now_cell)
            out.stylize(style + self._style("now"), LABEL + now_cell, LABEL + now_cell + 1)
            plain = out.plain
            out = Text(
                plain[: LABEL + now_cell] + "│" + plain[LABEL + now_cell + 1 :], spans=out.spans
            )
        return out

    def _run(self, slot: HeldSlot | None, n: int, is_cursor: bool) -> Text:
        """``n`` cells of free time, or of one block (an edge, then the driver's id if it fits)."""
        if slot is None:
            return Text("·" * n, style=self._style("free"))
        base = self._style("completed" if slot.status is Status.COMPLETED else "confirmed")
        if is_cursor and slot.reservation_id == self.selected:
            base = base + self._style("cursor")
        inner = slot.driver[: n - 2] if n >= 8 else ""
        body = Text("▏", style=base + self._style("edge"))
        body.append((" " + inner).ljust(n - 1)[: n - 1], style=base)
        return body[:n]

    def _owners(self, slots: list[HeldSlot], bar: int) -> list[HeldSlot | None]:
        """The slot each cell shows: the one covering most of it."""
        assert self.shown is not None
        p = self.shown.period
        best: list[tuple[int, HeldSlot | None]] = [(0, None)] * bar
        for s in slots:
            if s.end <= p.start or s.start >= p.end:
                continue
            lo = max(0, (max(s.start, p.start) - p.start) * bar // p.span)
            hi = min(bar - 1, (min(s.end, p.end) - 1 - p.start) * bar // p.span)
            for i in range(lo, hi + 1):
                c0 = p.start + i * p.span // bar
                c1 = p.start + (i + 1) * p.span // bar
                cover = min(s.end, c1) - max(s.start, c0)
                if cover > best[i][0]:
                    best[i] = (cover, s)
        return [b[1] for b in best]
