"""The inspect screen: every field, the timeline, the exact API JSON, and exactly the actions the
state machine allows now — each of which performs its transition."""

from __future__ import annotations

import json

import pytest
from textual.widgets import Button, Static

from charge_tui.domain.api import reservation_to_api
from charge_tui.domain.enums import Action, FailureReason, Status
from charge_tui.tui.screens.confirm import ConfirmScreen
from charge_tui.tui.screens.fail import FailScreen
from charge_tui.tui.screens.inspect import InspectScreen
from charge_tui.tui.screens.picker import PickerScreen
from tests.sample_store import SAMPLE_NOW
from tests.tui.conftest import SIZE, make_app, other_service, settle
from tests.tui.helpers import plain


def everything(svc):
    return svc.list(limit=100).data


def offered(screen: InspectScreen) -> set[Action]:
    return {Action(b.name) for b in screen.query("#actions Button") if b.name and b.display}


async def open_inspect(pilot, reservation_id: str) -> InspectScreen:
    await settle(pilot)
    pilot.app.screen._inspect(reservation_id)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, InspectScreen)
    return screen


def fresh_pending(svc, hours_ahead: int = 2):
    """A pending reservation centred on a station, with every connector type: it can be
    confirmed, and moved to another EVSE."""
    station = max(svc.stations(), key=lambda s: len(s.evses))
    start = SAMPLE_NOW + hours_ahead * 3600
    return svc.create(
        {
            "connector_types": ["j1772", "ccs1", "nacs", "chademo"],
            "driver": "drv_inspect",
            "vehicle": "veh_inspect",
            "preferred_start_time": start,
            "preferred_end_time": start + 1800,
            "latest_end_time": start + 1800 + 3600,
            "service_area": {
                "latitude": station.latitude,
                "longitude": station.longitude,
                "radius_meters": 20000,
            },
            "payment_method": "pm_card_visa",
        }
    )


@pytest.mark.parametrize("status", list(Status))
async def test_offers_exactly_the_allowed_actions(sample, status):
    r = next(x for x in everything(sample) if x.status is status)
    allowed = set(sample.allowed_actions(r))
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inspect(pilot, r.id)
        assert offered(screen) == allowed
        for action in Action:
            assert bool(screen.check_action("act", (action.value,))) == (action in allowed)
        if not allowed:
            assert "No action is possible" in str(screen.query_one("#no-actions", Static).render())


async def test_shows_every_field_the_timeline_and_the_exact_json(sample):
    r = next(x for x in everything(sample) if x.status is Status.COMPLETED)
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inspect(pilot, r.id)
        fields = screen.query_one("#fields")
        labels = [str(fields.get_cell_at((i, 0))) for i in range(fields.row_count)]
        for name in ("id", "status", "driver", "charging station", "evse", "scheduled start"):
            assert name in labels
        shown = plain(screen.query_one("#json-body", Static))
        assert json.loads(shown) == reservation_to_api(sample.retrieve(r.id))
        timeline = plain(screen.query_one("#events", Static))
        for word in ("created", "confirmed", "completed", "status: pending → confirmed"):
            assert word in timeline
        await pilot.press("j")
        await settle(pilot)
        assert screen.query_one("#inspect-tabs").active == "json"


async def test_confirm_offers_the_ranked_slots_and_best_takes_the_first(sample):
    r = fresh_pending(sample)
    options = sample.slot_options(r.id)
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inspect(pilot, r.id)
        assert Action.CONFIRM in offered(screen)
        await pilot.press("a")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PickerScreen)
        table = picker.query_one("#picker-options")
        assert table.row_count == len(options) > 1
        assert [
            str(table.coordinate_to_cell_key((i, 0)).row_key.value) for i in range(table.row_count)
        ] == [o.evse.id for o in options]
        await pilot.press("b")
        await settle(pilot)
        after = sample.retrieve(r.id)
        assert after.status is Status.CONFIRMED
        assert (after.evse, after.scheduled_start_time) == (options[0].evse.id, options[0].start)
        assert "confirmed" in str(screen.query_one("#inspect-title", Static).render())
        assert Action.CONFIRM not in offered(screen)
        assert "confirmed" in plain(screen.query_one("#events", Static))


async def test_reassign_takes_the_slot_chosen_in_the_picker(sample):
    r = fresh_pending(sample)
    confirmed = sample.confirm(r.id)
    options = sample.slot_options(r.id)
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await open_inspect(pilot, r.id)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        after = sample.retrieve(r.id)
        assert after.status is Status.CONFIRMED
        assert after.evse != confirmed.evse
        assert (after.evse, after.scheduled_start_time) == (options[2].evse.id, options[2].start)
        assert sample.events(r.id)[-1].type == "reservation.reassigned"


async def test_reassign_of_a_reservation_changed_meanwhile_is_refused(sample, db_path):
    r = fresh_pending(sample)
    sample.confirm(r.id)
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inspect(pilot, r.id)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        moved = other_service(db_path).reassign(r.id)  # another dispatcher, meanwhile
        await pilot.press("enter")
        await settle(pilot)
        assert sample.retrieve(r.id) == moved
        result = str(screen.query_one("#action-result", Static).render())
        assert "concurrent_update" in result


async def test_escape_in_the_picker_changes_nothing(sample):
    r = fresh_pending(sample)
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await open_inspect(pilot, r.id)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, InspectScreen)
        assert sample.retrieve(r.id) == r


async def test_cancel_asks_first_and_no_keeps_it(sample):
    r = fresh_pending(sample)
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await open_inspect(pilot, r.id)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "No fee applies" in str(app.screen.query_one(".dialog-body", Static).render())
        await pilot.press("n")
        await settle(pilot)
        assert sample.retrieve(r.id).status is Status.PENDING
        await pilot.press("c")
        await settle(pilot)
        await pilot.click("#confirm-yes")
        await settle(pilot)
        assert isinstance(app.screen, InspectScreen)
        assert sample.retrieve(r.id).status is Status.CANCELLED
        assert offered(app.screen) == set()


async def test_fail_with_a_chosen_reason(sample):
    r = fresh_pending(sample)
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await open_inspect(pilot, r.id)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FailScreen)
        assert app.screen.reasons == list(FailureReason)
        await pilot.press("down", "enter")  # the second reason
        await settle(pilot)
        after = sample.retrieve(r.id)
        assert after.status is Status.FAILED
        assert after.failure_reason is FailureReason.PAYMENT_FAILED


async def test_a_confirmed_reservation_can_only_fail_with_other(sample):
    r = next(
        x
        for x in everything(sample)
        if x.status is Status.CONFIRMED and Action.FAIL in sample.allowed_actions(x)
    )
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await open_inspect(pilot, r.id)
        await pilot.press("f")
        await settle(pilot)
        assert app.screen.reasons == [FailureReason.OTHER]
        await pilot.press("escape")
        await settle(pilot)
        assert sample.retrieve(r.id).status is Status.CONFIRMED


async def test_complete(sample):
    r = next(x for x in everything(sample) if Action.COMPLETE in sample.allowed_actions(x))
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await open_inspect(pilot, r.id)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert sample.retrieve(r.id).status is Status.COMPLETED


async def test_expire(sample):
    r = next(x for x in everything(sample) if Action.EXPIRE in sample.allowed_actions(x))
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await open_inspect(pilot, r.id)
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert sample.retrieve(r.id).status is Status.EXPIRED


async def test_refused_keys_do_nothing(sample):
    r = next(x for x in everything(sample) if x.status is Status.CANCELLED)
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inspect(pilot, r.id)
        for key in "acmxfr":
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is screen
        assert sample.retrieve(r.id).version == r.version


async def test_stale_action_gets_concurrent_update_then_shows_the_new_state(sample, db_path):
    r = fresh_pending(sample)
    app = make_app(sample)  # no store watcher: the screen keeps the stale version
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inspect(pilot, r.id)
        other = other_service(db_path)
        other.confirm(r.id)
        other.db.dispose()
        await pilot.press("c", "y")
        await settle(pilot)
        message = str(screen.query_one("#action-result", Static).render())
        assert "concurrent_update" in message
        assert sample.retrieve(r.id).status is Status.CONFIRMED
        assert "confirmed" in str(screen.query_one("#inspect-title", Static).render())


async def test_updates_live_while_open(sample, db_path):
    r = fresh_pending(sample)
    app = make_app(sample, poll=0.05)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inspect(pilot, r.id)
        other = other_service(db_path)
        other.cancel(r.id)
        other.db.dispose()
        for _ in range(40):
            await pilot.pause(0.05)
            await settle(pilot, rounds=1)
            if "cancelled" in str(screen.query_one("#inspect-title", Static).render()):
                break
        assert "cancelled" in str(screen.query_one("#inspect-title", Static).render())
        assert offered(screen) == set()


async def test_buttons_work_with_the_mouse(sample):
    r = fresh_pending(sample)
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_inspect(pilot, r.id)
        assert isinstance(screen.query_one("#act-confirm"), Button)
        await pilot.click("#act-confirm")
        await settle(pilot)
        assert isinstance(app.screen, PickerScreen)
        await pilot.click("#picker-best")
        await settle(pilot)
        assert sample.retrieve(r.id).status is Status.CONFIRMED
