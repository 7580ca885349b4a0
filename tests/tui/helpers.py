"""Reading the console's state in tests: what the table shows, which row is highlighted."""

from __future__ import annotations

from rich.text import Text

from charge_tui.tui.widgets.reservation_list import ReservationList, ReservationTable


def table(app) -> ReservationTable:
    return app.screen.query_one(ReservationTable)


def rows(app) -> list[str]:
    """Row keys (reservation ids) in display order."""
    t = table(app)
    return [str(t.coordinate_to_cell_key((i, 0)).row_key.value) for i in range(t.row_count)]


def cell(app, reservation_id: str, column: str) -> str:
    value = table(app).get_cell(reservation_id, column)
    return value.plain if isinstance(value, Text) else str(value)


def highlighted(app) -> str | None:
    return app.screen.query_one(ReservationList).highlighted_id


def window(app):
    return app.screen.query_one(ReservationList).window


def plain(widget) -> str:
    """The text a Static shows, whatever it holds (a string, a Text, a rich Table)."""
    from io import StringIO

    from rich.console import Console

    content = widget.content
    if isinstance(content, str):
        return content
    if isinstance(content, Text):
        return content.plain
    console = Console(file=StringIO(), width=200, color_system=None)
    console.print(content)
    return console.file.getvalue()


async def cancel_from_the_list(pilot, reservation_id: str) -> None:
    """Select the reservation, press ``c`` and answer ``y``: the list's cancel, as a user does it."""
    from charge_tui.tui.screens.confirm import ConfirmScreen
    from charge_tui.tui.screens.list import ListScreen
    from tests.tui.conftest import settle

    app = pilot.app
    app.screen.select_reservation(reservation_id)
    await settle(pilot)
    assert highlighted(app) == reservation_id
    await pilot.press("c")
    await settle(pilot)
    assert isinstance(app.screen, ConfirmScreen)
    await pilot.press("y")
    await settle(pilot)
    assert isinstance(app.screen, ListScreen)


async def board_on_busiest_block(pilot, settle) -> None:
    """From the list: open the board on the sample's busiest station and EVSE (see
    ``tests.sample_store.busiest_station``) and select the first block after now."""
    from charge_tui.domain.board import Period
    from tests.sample_store import busiest_station

    await pilot.press("b")
    await settle(pilot)
    screen = pilot.app.screen
    station, evse = busiest_station(screen.data.service, Period.around(screen.data.now()))
    rows = [s.station.id for s in screen.page.stations]
    screen.table.move_cursor(row=rows.index(station.id))
    await pilot.pause(0.2)
    await settle(pilot)
    await pilot.press("tab")
    while screen.timelines.evse_id != evse:
        await pilot.press("down")
    await pilot.press("right")
    await settle(pilot)
