"""Text the store cannot hold, in the console: the form refuses it next to the field, and a row an
older version stored with such text is still listed and inspected (shown escaped), never a crash
when the screen is written out."""

from __future__ import annotations

import sqlite3

from textual.widgets import TextArea

from charge_tui.tui.screens.inspect import InspectScreen
from tests.tui.conftest import SIZE, make_app, settle
from tests.tui.helpers import plain, rows
from tests.tui.test_create import error, open_form, total


async def test_the_form_refuses_metadata_that_is_not_valid_unicode(sample):
    before = total(sample)
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot)
        screen.query_one("#metadata", TextArea).text = "fleet=\ud800"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "not valid Unicode" in error(screen, "metadata")
        assert total(sample) == before


async def test_a_stored_row_with_a_lone_surrogate_is_listed_and_inspected(sample, db_path):
    rid = sample.list(limit=1).data[0].id
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            "UPDATE reservations SET metadata_json = ? WHERE id = ?", ('{"k":"\\ud800"}', rid)
        )
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert rows(app)[0] == rid
        app.screen._inspect(rid)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, InspectScreen) and screen.detail is not None
        fields = screen.query_one("#fields")
        assert "k=\\ud800" in str(fields.get_cell("metadata", "value"))
        await pilot.press("j")
        await settle(pilot)
        assert "\\ud800" in plain(screen.query_one("#json-body"))
        # What a terminal would be sent encodes as UTF-8.
        app.export_screenshot().encode("utf-8")
