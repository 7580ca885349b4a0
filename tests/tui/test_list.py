"""The list screen: order, counts, filters, search, sort, cancel, live updates, bounded window."""

from __future__ import annotations

import subprocess
import sys

from charge_tui.domain.enums import Action, Status
from charge_tui.domain.errors import StoreUnavailable
from charge_tui.tui.screens.error import ErrorScreen
from charge_tui.tui.screens.inspect import InspectScreen
from charge_tui.tui.screens.list import ListScreen
from charge_tui.tui.widgets.counts_bar import CountChip
from tests.tui.conftest import SIZE, env_for_cli, make_app, other_service, settle
from tests.tui.helpers import cancel_from_the_list, cell, highlighted, rows, table, window


def all_reservations(svc):
    return svc.list(limit=100).data


async def test_list_shows_newest_first_with_counts(sample):
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        expected = [r.id for r in all_reservations(sample)]  # the API's own newest-first order
        assert rows(app) == expected
        counts = sample.counts()
        for chip in app.screen.query(CountChip):
            want = sum(counts.values()) if chip.status is None else counts[chip.status]
            assert chip.count == want
        first = all_reservations(sample)[0]
        assert cell(app, first.id, "status") == first.status.value
        assert cell(app, first.id, "driver") == first.driver
        assert cell(app, first.id, "fee") == "$3.00"


async def test_status_filters_narrow_the_table(sample):
    app = make_app(sample)
    counts = sample.counts()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key, status in zip("123456", Status, strict=True):
            await pilot.press(key)
            await settle(pilot)
            shown = rows(app)
            assert len(shown) == counts[status]
            assert all(cell(app, rid, "status") == status.value for rid in shown)
        await pilot.press("0")
        await settle(pilot)
        assert len(rows(app)) == sum(counts.values())


async def test_filter_by_clicking_a_count(sample):
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.click("#count-failed")
        await settle(pilot)
        assert rows(app)
        assert all(cell(app, rid, "status") == "failed" for rid in rows(app))


async def test_search_by_driver_id_and_metadata(sample):
    everything = all_reservations(sample)
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"drv_alice", "enter")
        await settle(pilot)
        want = [r.id for r in everything if r.driver == "drv_alice"]
        assert rows(app) == want and want

        target = everything[5]
        app.screen.query_one("#search").value = target.id
        await pilot.press("slash", "enter")
        await settle(pilot)
        assert rows(app) == [target.id]

        app.screen.query_one("#search").value = "fleet=acme"
        await pilot.press("slash", "enter")
        await settle(pilot)
        want = [r.id for r in everything if r.metadata.get("fleet") == "acme"]
        assert rows(app) == want and want

        # escape clears the search (and the filter) from the table
        await pilot.press("escape")
        await settle(pilot)
        assert len(rows(app)) == len(everything)


async def test_the_status_line_says_which_id_a_prefix_search_looks_in(sample):
    """A prefix search on ids answers from the index of the id it names (driver, vehicle,
    station, EVSE, reservation); the status line says which, not just "id prefix"."""
    everything = all_reservations(sample)
    app = make_app(sample)
    searches = [
        ("drv_ali", "driver id prefix"),
        ("veh_", "vehicle id prefix"),
        ("sta_", "station id prefix"),
        ("evse_", "EVSE id prefix"),
        ("rsv_", "reservation id prefix"),
        (everything[0].id, "exact id"),
        ("fleet=acme", "text"),
    ]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for text, how in searches:
            app.screen.query_one("#search").value = text
            await pilot.press("slash", "enter")
            await settle(pilot)
            status = str(app.screen.query_one("#list-status").render())
            assert f"search {how} “{text}”" in status


async def test_search_and_filter_combine(sample):
    everything = all_reservations(sample)
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("3", "slash", *"drv_", "enter")
        await settle(pilot)
        want = [r.id for r in everything if r.status is Status.COMPLETED]
        assert rows(app) == want


async def test_sort_cycles_and_reverses(sample):
    everything = all_reservations(sample)
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        by_start = sorted(everything, key=lambda r: (r.preferred_start_time, r.id), reverse=True)
        assert rows(app) == [r.id for r in by_start]
        await pilot.press("S")
        await settle(pilot)
        assert rows(app) == [r.id for r in reversed(by_start)]
        await pilot.press("s")
        await settle(pilot)
        by_updated = sorted(everything, key=lambda r: (r.updated, r.id))
        assert rows(app) == [r.id for r in by_updated]


async def test_cancel_from_the_list_asks_then_cancels(sample):
    app = make_app(sample)
    target = next(r for r in all_reservations(sample) if Action.CANCEL in sample.allowed_actions(r))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await cancel_from_the_list(pilot, target.id)
        assert sample.retrieve(target.id).status is Status.CANCELLED
        assert cell(app, target.id, "status") == "cancelled"
        assert highlighted(app) == target.id


async def test_cancel_is_not_offered_when_the_state_machine_refuses(sample):
    app = make_app(sample)
    done = next(r for r in all_reservations(sample) if r.status is Status.COMPLETED)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.select_reservation(done.id)
        await settle(pilot)
        assert app.screen.check_action("cancel", ()) is None
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        assert sample.retrieve(done.id).status is Status.COMPLETED


async def test_enter_and_click_open_inspect(sample):
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = rows(app)[0]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, InspectScreen)
        assert app.screen.reservation_id == first
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)


async def test_change_by_another_dispatcher_shows_up_keeping_the_cursor(sample, db_path):
    app = make_app(sample, poll=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "down")
        await settle(pilot)
        kept = highlighted(app)
        index = rows(app).index(kept)
        # Another dispatcher (a second connection to the same file) creates a reservation and
        # cancels the highlighted one if it can.
        other = other_service(db_path)
        pending = other.retrieve(kept)
        new = other.create(
            {
                "connector_types": ["ccs1"],
                "driver": "drv_zed",
                "vehicle": "veh_zed",
                "preferred_start_time": pending.preferred_start_time + 86400,
                "preferred_end_time": pending.preferred_start_time + 86400 + 1800,
                "service_area": {"latitude": 37.77, "longitude": -122.42, "radius_meters": 5000},
            }
        )
        changed = Action.CANCEL in other.allowed_actions(pending)
        if changed:
            other.cancel(kept)
        other.db.dispose()
        for _ in range(40):
            await pilot.pause(0.05)
            await settle(pilot, rounds=1)
            if new.id in rows(app):
                break
        await settle(pilot)
        assert rows(app)[0] == new.id
        assert highlighted(app) == kept
        assert rows(app).index(kept) == index + 1
        if changed:
            assert cell(app, kept, "status") == "cancelled"
        assert app.screen.query_one("#count-all", CountChip).count == len(rows(app))


async def test_cancel_by_another_process_shows_up(sample, db_path):
    target = next(r for r in all_reservations(sample) if Action.CANCEL in sample.allowed_actions(r))
    app = make_app(sample, poll=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.select_reservation(target.id)
        await settle(pilot)
        done = subprocess.run(
            [sys.executable, "-m", "charge_tui", "reservations", "cancel", target.id],
            env=env_for_cli(db_path),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        for _ in range(40):
            await pilot.pause(0.05)
            await settle(pilot, rounds=1)
            if cell(app, target.id, "status") == "cancelled":
                break
        assert cell(app, target.id, "status") == "cancelled"
        assert highlighted(app) == target.id


async def test_empty_store_says_so(empty):
    app = make_app(empty)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert rows(app) == []
        assert "No reservations yet" in str(app.screen.query_one("#list-empty").render())


async def test_store_failure_shows_an_error_modal_not_a_crash(sample, monkeypatch):
    app = make_app(sample, poll=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)

        def broken():
            raise StoreUnavailable("database is locked by another process; try again")

        monkeypatch.setattr(app.data, "token", broken)
        for _ in range(20):
            await pilot.pause(0.05)
            if isinstance(app.screen, ErrorScreen) and app.screen.query("#error-message"):
                break
        assert isinstance(app.screen, ErrorScreen)
        assert "locked" in str(app.screen.query_one("#error-message").render())
        monkeypatch.undo()
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)


async def test_new_key_opens_the_form(sample):
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        from charge_tui.tui.screens.create import CreateScreen

        assert isinstance(app.screen, CreateScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        assert table(app).has_focus


async def test_window_moves_with_the_cursor(sample):
    """Scrolling past the window reads the next page; ``end`` jumps to the oldest row."""
    everything = all_reservations(sample)
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("G")
        await settle(pilot)
        assert highlighted(app) == everything[-1].id
        await pilot.press("g")
        await settle(pilot)
        assert highlighted(app) == everything[0].id
        assert window(app).at_start


async def test_narrow_terminal_drops_the_least_useful_columns(sample):
    app = make_app(sample)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        keys = [str(k.value) for k in table(app).columns]
        assert keys[:3] == ["id", "status", "driver"] and "window" in keys
        assert "fee" not in keys
        first = rows(app)[0]
        assert cell(app, first, "driver") == sample.retrieve(first).driver
        await pilot.resize_terminal(120, 36)
        await settle(pilot)
        assert "fee" in [str(k.value) for k in table(app).columns]
