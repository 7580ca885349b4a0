"""PaintedTable's fast cell path leans on DataTable internals: if a Textual release renames them,
this fails with the name, instead of the console drawing wrong cells."""

from __future__ import annotations

import inspect

from rich.text import Text
from textual.app import App
from textual.widgets import DataTable

from charge_tui.tui.widgets.painted_table import PaintedTable

PRIVATE_METHODS = ("_render_cell", "_get_row_renderables", "_get_styles_to_render_cell")
PRIVATE_STATE = (
    "_row_locations",
    "_column_locations",
    "_cell_render_cache",
    "_update_count",
    "_pseudo_class_state",
    "_show_hover_cursor",
)


def test_datatable_still_has_the_internals_the_fast_path_reads():
    for name in PRIVATE_METHODS:
        assert callable(getattr(DataTable, name, None)), f"DataTable.{name} is gone"
    sig = inspect.signature(DataTable._render_cell)
    assert list(sig.parameters)[:5] == ["self", "row_index", "column_index", "base_style", "width"]
    table = DataTable()
    for name in PRIVATE_STATE:
        assert hasattr(table, name), f"DataTable().{name} is gone"


async def test_fast_cells_draw_what_the_general_path_draws():
    """The same table, drawn by DataTable and by PaintedTable: identical screens."""

    class One(App[None]):
        def __init__(self, cls: type[DataTable]) -> None:
            super().__init__()
            self.cls = cls

        def compose(self):
            yield self.cls(id="t")

    screens = []
    for cls in (DataTable, PaintedTable):
        app = One(cls)
        async with app.run_test(size=(50, 6)) as pilot:
            t = app.query_one("#t", DataTable)
            t.cursor_type = "row"
            t.zebra_stripes = True
            t.add_column("id", key="id", width=10)
            t.add_column("status", key="status", width=12)
            t.add_row(Text("rsv_1"), Text("confirmed", style="green"), key="a")
            t.add_row(Text("rsv_a_long_identifier"), Text("failed"), key="b")
            await pilot.pause()
            screens.append(app.export_screenshot())
    assert screens[0] == screens[1]
