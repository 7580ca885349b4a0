"""The station board on the sample store: every key, asserting what the screen and the store
hold afterwards (faults run through the service; the store keeps SPEC §3's invariants)."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Static

from charge_tui.domain.board import DAY, HOUR, SPANS, Period, utilisation
from charge_tui.domain.enums import EvseStatus, FailureReason, Status
from charge_tui.tui.screens import board as board_screen
from charge_tui.tui.screens.board import BoardScreen
from charge_tui.tui.screens.fault import FaultScreen
from charge_tui.tui.screens.inspect import InspectScreen
from charge_tui.tui.screens.list import ListScreen
from charge_tui.tui.widgets.timeline import EvseTimelines
from tests.invariants import violations
from tests.sample_store import SAMPLE_NOW, busiest_station
from tests.tui.conftest import SIZE, make_app, other_service, settle
from tests.tui.helpers import cell, plain, rows


async def open_board(pilot) -> BoardScreen:
    await settle(pilot)
    await pilot.press("b")
    await settle(pilot)
    await pilot.pause(0.15)  # the station's timelines are read after the cursor rests
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, BoardScreen)
    return screen


def station_rows(screen: BoardScreen) -> list[str]:
    t = screen.table
    return [str(t.coordinate_to_cell_key((i, 0)).row_key.value) for i in range(t.row_count)]


async def go_to_station(pilot, screen: BoardScreen, station_id: str) -> None:
    row = station_rows(screen).index(station_id)
    screen.table.move_cursor(row=row)
    await pilot.pause(0.15)
    await settle(pilot)
    assert screen.shown is not None and screen.shown.station.id == station_id


async def go_to_evse(pilot, screen: BoardScreen, evse_id: str) -> EvseTimelines:
    await pilot.press("tab")
    timelines = screen.timelines
    assert timelines.has_focus
    ids = [e.id for e in screen.shown.station.evses]
    for _ in range(ids.index(evse_id)):
        await pilot.press("down")
    assert timelines.evse_id == evse_id
    return timelines


async def test_b_opens_the_stations_by_name_with_their_utilisation(sample):
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        stations = sorted(sample.stations(), key=lambda s: (s.name, s.id))
        assert station_rows(screen) == [s.id for s in stations]
        assert plain(screen.query_one("#stations-title", Static)).startswith(
            f"Stations 1–{len(stations)} of {len(stations)}"
        )
        period = screen.period
        assert period == Period.around(SAMPLE_NOW)
        assert period.start <= SAMPLE_NOW < period.end
        # Brute force: every held slot of every EVSE, clipped to the period.
        held = [
            r
            for r in sample.list(limit=100).data
            if r.status in (Status.CONFIRMED, Status.COMPLETED)
        ]
        for summary in screen.page.stations:
            s = summary.station
            total = sum(
                max(
                    0,
                    min(r.scheduled_end_time, period.end)
                    - max(r.scheduled_start_time, period.start),
                )
                for r in held
                if r.charging_station == s.id
            )
            assert summary.utilisation == pytest.approx(total / (len(s.evses) * period.span))
            assert summary.evses == len(s.evses)
            assert summary.faulted == sum(e.status is EvseStatus.OUT_OF_ORDER for e in s.evses)
        assert any(s.utilisation > 0 for s in screen.page.stations)
        # The first station's EVSEs are drawn, one row each, now marked.
        assert screen.shown.station.id == stations[0].id
        assert [e.id for e in screen.shown.station.evses] == [e.id for e in stations[0].evses]


async def test_period_keys_move_and_zoom(sample):
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        start = screen.period
        await pilot.press("right_square_bracket")
        assert screen.period == start.shifted(HOUR)
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert screen.period == start.shifted(-HOUR)
        await pilot.press("right_curly_bracket")
        assert screen.period == start.shifted(DAY - HOUR)
        await pilot.press("left_curly_bracket")
        assert screen.period == start.shifted(-HOUR)
        await pilot.press("full_stop")
        assert screen.period == start
        await pilot.press("z")
        assert screen.period.span == SPANS[1] and screen.period.start <= SAMPLE_NOW
        await settle(pilot)
        await pilot.pause(0.15)
        await settle(pilot)
        assert screen.shown.period == screen.period  # the timelines were read again
        await pilot.press("z")
        assert screen.period.span == SPANS[0]


async def test_enter_on_a_block_opens_its_reservation(sample):
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        station, evse = busiest_station(sample, screen.period)
        await go_to_station(pilot, screen, station.id)
        timelines = await go_to_evse(pilot, screen, evse)
        await pilot.press("right")
        slot = timelines.selected_slot
        assert slot is not None and slot.evse == evse
        assert slot.reservation_id in plain(screen.query_one("#board-status", Static))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, InspectScreen)
        assert app.screen.reservation_id == slot.reservation_id
        r = sample.retrieve(slot.reservation_id)
        assert (r.evse, r.scheduled_start_time) == (slot.evse, slot.start)


async def test_enter_on_a_station_filters_the_list_to_it(sample):
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        station, _evse = busiest_station(sample, screen.period)
        await go_to_station(pilot, screen, station.id)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        expected = [r.id for r in sample.list(limit=100).data if r.charging_station == station.id]
        assert expected and rows(app) == expected


async def test_fault_previews_then_faults_through_the_service(sample, db_path):
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        station, evse = busiest_station(sample, screen.period)
        await go_to_station(pilot, screen, station.id)
        await go_to_evse(pilot, screen, evse)
        expected = sample.fault_outcome(evse, preview=True)
        assert expected.effects, "the sample has confirmed reservations ahead on it"

        await pilot.press("F")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, FaultScreen)
        assert [e.after.id for e in dialog.preview.effects] == [
            e.after.id for e in expected.effects
        ]
        summary = plain(dialog.query_one("#fault-summary", Static))
        assert f"{len(expected.moved)} will move, {len(expected.failed)} will fail" in summary
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        assert all(sample.retrieve(e.before.id) == e.before for e in expected.effects)

        await pilot.press("F")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        await pilot.pause(0.15)
        await settle(pilot)
        faulted = {e.id: e for s in sample.stations() for e in s.evses}[evse]
        assert faulted.status is EvseStatus.OUT_OF_ORDER
        for e in expected.effects:
            after = sample.retrieve(e.before.id)
            events = sample.events(after.id)
            if e.moved:
                assert after.status is Status.CONFIRMED and after.evse != evse
                assert events[-1].type == "reservation.reassigned"
            else:
                assert after.status is Status.FAILED
                assert after.failure_reason is FailureReason.OTHER
                assert events[-1].type == "reservation.failed"
        assert violations(other_service(db_path).db) == []
        # The board shows the EVSE out of service, its row still under the cursor.
        shown = {e.id: e for e in screen.shown.station.evses}
        assert shown[evse].status is EvseStatus.OUT_OF_ORDER
        assert screen.timelines.evse_id == evse
        summary = next(s for s in screen.page.stations if s.station.id == station.id)
        assert summary.faulted == 1

        await pilot.press("R")
        await settle(pilot)
        restored = {e.id: e for s in sample.stations() for e in s.evses}[evse]
        assert restored.status is EvseStatus.AVAILABLE


async def test_bad_fault_and_restore_say_so_and_change_nothing(sample, db_path):
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        evse = screen.shown.station.evses[0].id
        await pilot.press("tab", "R")
        await settle(pilot)
        status = plain(screen.query_one("#board-status", Static))
        assert "evse_unexpected_state" in status and "not out of order" in status
        assert {e.id: e for s in sample.stations() for e in s.evses}[evse].status is (
            EvseStatus.AVAILABLE
        )
        # Faulted by someone else meanwhile: faulting it again is refused, nothing changes.
        other_service(db_path).fault_evse(evse)
        before = sample.list(limit=100).data
        await pilot.press("F")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        assert "already out of order" in plain(screen.query_one("#board-status", Static))
        assert sample.list(limit=100).data == before


async def test_changes_by_others_appear_with_the_cursor_kept(sample, db_path):
    app = make_app(sample, poll=0.05)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        station, evse = busiest_station(sample, screen.period)
        await go_to_station(pilot, screen, station.id)
        await go_to_evse(pilot, screen, evse)
        other_service(db_path).fault_evse(evse)
        for _ in range(40):
            await pilot.pause(0.05)
            await settle(pilot)
            shown = {e.id: e for e in screen.shown.station.evses}
            if shown[evse].status is EvseStatus.OUT_OF_ORDER:
                break
        assert shown[evse].status is EvseStatus.OUT_OF_ORDER
        assert screen.timelines.evse_id == evse
        assert station_rows(screen)[screen.table.cursor_row] == station.id


async def test_stations_page_by_keyset_past_either_edge(sample, monkeypatch):
    monkeypatch.setattr(board_screen, "PAGE", 5)
    names = [s.id for s in sorted(sample.stations(), key=lambda s: (s.name, s.id))]
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_board(pilot)
        assert station_rows(screen) == names[:5]
        await pilot.press(*["down"] * 5)
        await settle(pilot)
        assert station_rows(screen) == names[5:10]
        assert screen.table.cursor_row == 0
        assert plain(screen.query_one("#stations-title", Static)).startswith("Stations 6–10")
        await pilot.press("up")
        await settle(pilot)
        assert station_rows(screen) == names[:5]
        assert screen.table.cursor_row == 4


def test_utilisation_clips_to_the_period():
    p = Period(1000, 100)
    from charge_tui.domain.board import HeldSlot

    slots = [
        HeldSlot("a", "e", 900, 1050, Status.COMPLETED, "d"),
        HeldSlot("b", "e", 1080, 2000, Status.CONFIRMED, "d"),
    ]
    assert utilisation(slots, 2, p) == pytest.approx((50 + 20) / 200)


async def test_the_list_names_stations_and_searches_by_name(sample):
    everything = sample.list(limit=100).data
    stations = {s.id: s for s in sample.stations()}
    assigned = next(r for r in everything if r.charging_station)
    station = stations[assigned.charging_station]
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert cell(app, assigned.id, "station") == station.name
        await pilot.press("slash")
        app.screen.query_one("#search", Input).value = station.name.lower()
        await pilot.press("enter")
        await settle(pilot)
        expected = [r.id for r in everything if r.charging_station == station.id]
        assert rows(app) == expected


def test_the_change_token_sees_evse_faults_that_touch_no_reservation(empty):
    from charge_tui.engine.network import generate_network
    from charge_tui.store import listing
    from tests.sample_store import CENTER

    empty.add_stations(generate_network(3, seed=1, center=CENTER, radius_km=2))
    evse = empty.stations()[0].evses[0].id

    def token():
        with empty.reading() as conn:
            return listing.change_token(conn)

    before = token()
    assert empty.fault_evse(evse) == []
    faulted = token()
    assert faulted != before
    empty.restore_evse(evse)
    assert token() not in (faulted,)
