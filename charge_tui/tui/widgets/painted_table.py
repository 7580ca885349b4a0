"""A DataTable that says when it has been painted, and draws one-line text cells directly.

The fast cell path (:meth:`PaintedTable._render_cell`) overrides a private method of Textual's
DataTable and reads its private state; ``tests/tui/test_painted_table.py`` fails loudly if a
Textual release changes them, and pyproject pins Textual to the minor version it was built on.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable

#: Seconds after which ``call_after_paint`` runs its callback even if the table was not painted.
PAINT_FALLBACK = 0.25


class PaintedTable(DataTable):
    """A row-cursor, zebra-striped DataTable with :meth:`call_after_paint`."""

    def __init__(self, **kw) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kw)
        self._after_paint: list[Callable[[], object]] = []

    def call_after_paint(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` once the table has been painted as it is now: after the next frame
        that renders it, or after :data:`PAINT_FALLBACK` seconds if none does (the table is
        hidden, or the terminal is not drawing). Runs once either way.

        Unlike ``call_after_refresh``, which may run before the screen has drawn anything when
        the table's repaint is not yet scheduled, this waits for the lines to be rendered."""
        done = False

        def once() -> None:
            nonlocal done
            if not done:
                done = True
                fallback.stop()  # painted first: the timer has nothing left to do
                callback()

        fallback = self.set_timer(PAINT_FALLBACK, once)
        self._after_paint.append(once)

    def render_lines(self, crop: Region) -> list[Strip]:
        lines = super().render_lines(crop)
        if self._after_paint:
            pending, self._after_paint = self._after_paint, []
            for callback in pending:
                # Queued: it runs after this frame has been composed and shown.
                self.call_later(callback)
        return lines

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        """A body cell of one line without Rich's layout machinery.

        DataTable renders every visible cell again after any change to the table (its cell cache
        is keyed by an update counter), each through ``Console.render_lines(Styled(Padding(...)))``
        — most of the cost of a frame. Our body cells are one line of left-aligned text, so the
        same segments are built directly: the text cropped or padded to the column, the cell
        padding, the cell's style under the cursor's. Headers and anything else take the
        general path."""
        if row_index < 0 or column_index < 0 or row_index < self.fixed_rows:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        cache_key = (
            row_key,
            column_key,
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
            self._pseudo_class_state,
        )
        cached = self._cell_render_cache.get(cache_key)
        if cached is not None:
            return cached
        row = self.rows[row_key]
        _label, cells = self._get_row_renderables(row_index)
        cell = cells[column_index]
        if (
            row.height != 1
            or not isinstance(cell, Text)
            or cell.justify not in (None, "default", "left")
            or "\n" in cell.plain
            or "\t" in cell.plain
        ):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            column_index < self.fixed_columns,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index})
        pre_style += component_style
        pad = self.cell_padding
        inner = max(0, width - 2 * pad)
        text = cell
        if text.cell_len > inner:
            text = cell.copy()
            text.truncate(inner, overflow=cell.overflow or "fold")
        console = self.app.console
        body = list(text.render(console))
        if text.style:
            body = list(Segment.apply_style(body, console.get_style(text.style)))
        body = Segment.adjust_line_length(body, inner)
        segments = [Segment(" " * pad), *body, Segment(" " * pad)]
        line = list(Segment.apply_style(segments, pre_style, post_style))
        lines = [Segment.adjust_line_length(line, width, style=pre_style + post_style)]
        self._cell_render_cache[cache_key] = lines
        return lines
