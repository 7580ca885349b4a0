"""The create form: a valid form stores a reservation; an invalid one shows every field's error and
stores nothing; errors come from the same validation as the CLI."""

from __future__ import annotations

from textual.widgets import Input, Select, SelectionList, Static, TextArea

from charge_tui.domain.enums import Status
from charge_tui.tui.form import FormValues, build, describe_time, field_for_param, parse_metadata
from charge_tui.tui.screens.create import CreateScreen
from charge_tui.tui.screens.list import ListScreen
from tests.sample_store import SAMPLE_NOW
from tests.tui.conftest import SIZE, make_app, settle
from tests.tui.helpers import highlighted, rows


def total(svc) -> int:
    return sum(svc.counts().values())


async def open_form(pilot) -> CreateScreen:
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CreateScreen)
    return screen


def fill(screen: CreateScreen, **values: str) -> None:
    for name, value in values.items():
        screen.query_one(f"#{name}", Input).value = value


def error(screen: CreateScreen, name: str) -> str:
    widget = screen.query_one(f"#err-{name}", Static)
    return str(widget.render()) if widget.has_class("-shown") else ""


async def test_valid_form_creates_and_selects_the_reservation(sample):
    before = total(sample)
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot)
        await pilot.press(*"drv_form")  # typed into the focused driver field
        fill(
            screen,
            vehicle="veh_form",
            preferred_start="2026-11-18 19:00",
            preferred_end="+3h",
            latest_end="2026-11-18 20:30",
            latitude="37.77",
            longitude="-122.42",
            radius="4000",
            idempotency_key="form-test-1",
        )
        screen.query_one("#connector_types", SelectionList).select("ccs1")
        screen.query_one("#connector_types", SelectionList).select("nacs")
        screen.query_one("#metadata", TextArea).text = "fleet=acme\n# a comment\nnote = call first"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        assert total(sample) == before + 1
        new_id = highlighted(app)
        assert new_id is not None and rows(app)[0] == new_id
        r = sample.retrieve(new_id)
        assert r.status is Status.PENDING
        assert (r.driver, r.vehicle) == ("drv_form", "veh_form")
        assert [c.value for c in r.connector_types] == ["ccs1", "nacs"]
        assert r.preferred_start_time == SAMPLE_NOW + 2 * 3600  # 19:00 UTC
        assert r.preferred_end_time == SAMPLE_NOW + 3 * 3600
        assert r.latest_end_time == SAMPLE_NOW + 3 * 3600 + 1800
        assert r.earliest_start_time == r.preferred_start_time
        assert r.service_area.radius_meters == 4000
        assert dict(r.metadata) == {"fleet": "acme", "note": "call first"}
        assert r.payment_method == "pm_card_visa"


async def test_invalid_form_shows_field_errors_and_stores_nothing(sample):
    before = total(sample)
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot)
        fill(
            screen,
            driver="alice",
            vehicle="",
            preferred_start="someday soon",
            latitude="north",
            longitude="-122.42",
            radius="12.5",
            payment_method="visa",
        )
        screen.query_one("#metadata", TextArea).text = "fleet=acme\nbroken line"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CreateScreen)
        assert "drv_" in error(screen, "driver")
        assert error(screen, "vehicle") == "Required."
        assert "Not a time" in error(screen, "preferred_start")
        assert error(screen, "connector_types")
        assert error(screen, "latitude") == "Must be a number."
        assert "whole number" in error(screen, "radius")
        assert "pm_" in error(screen, "payment_method")
        assert "line 2" in error(screen, "metadata")
        assert error(screen, "longitude") == ""
        assert "nothing was saved" in str(screen.query_one("#err-form", Static).render())
        assert total(sample) == before
        # The first field in error has the focus; typing clears its error.
        assert app.focused is screen.query_one("#driver")
        await pilot.press("x")
        await settle(pilot)
        assert error(screen, "driver") == ""


async def test_rules_between_fields_come_from_the_domain(sample):
    """A start in the past, a window too short: the service's own messages, at the field."""
    before = total(sample)
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot)
        fill(
            screen,
            driver="drv_a",
            vehicle="veh_b",
            preferred_start="-2h",
            preferred_end="+1h",
            latitude="37.77",
            longitude="-122.42",
        )
        screen.query_one("#connector_types", SelectionList).select("j1772")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error(screen, "preferred_start") == ("preferred_start_time must not be in the past.")
        fill(screen, preferred_start="+1h", preferred_end="+65m")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error(screen, "preferred_start") == ""
        assert "at least 10 minutes" in error(screen, "preferred_end")
        fill(screen, preferred_end="+2h", latitude="91")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "between -90 and 90" in error(screen, "latitude")
        assert total(sample) == before


async def test_idempotency_key_reused_with_other_parameters(sample):
    app = make_app(sample)
    base = dict(
        driver="drv_a",
        vehicle="veh_b",
        latitude="37.77",
        longitude="-122.42",
        idempotency_key="same-key",
    )
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot)
        fill(screen, **base)
        screen.query_one("#connector_types", SelectionList).select("j1772")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        count = total(sample)
        screen = await open_form(pilot)
        fill(screen, **{**base, "driver": "drv_other"})
        screen.query_one("#connector_types", SelectionList).select("j1772")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CreateScreen)
        assert "idempotency key" in error(screen, "idempotency_key")
        assert total(sample) == count


async def test_times_are_shown_back_parsed_as_you_type(sample):
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot)
        echo = screen.query_one("#echo-preferred_start", Static)
        assert "2026-11-18 18:00" in str(echo.render())  # the default, +1h
        screen.query_one("#preferred_start", Input).value = "2026-11-25 18:00"
        await settle(pilot)
        assert "Wed 2026-11-25 18:00" in str(echo.render())
        screen.query_one("#preferred_start", Input).value = "not a time"
        await settle(pilot)
        assert echo.has_class("-bad")


async def test_an_end_relative_to_the_start_follows_it_as_you_type(sample):
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot)
        end_echo = screen.query_one("#echo-preferred_end", Static)
        screen.query_one("#preferred_end", Input).value = "start+45m"
        await settle(pilot)
        assert "Wed 2026-11-18 18:45" in str(end_echo.render())  # default start +1h: 18:00
        screen.query_one("#preferred_start", Input).value = "2026-11-25 18:00"
        await settle(pilot)  # only the start changed: the end's echo follows it
        assert "Wed 2026-11-25 18:45" in str(end_echo.render())
        screen.query_one("#preferred_start", Input).value = "soon"
        await settle(pilot)
        assert end_echo.has_class("-bad") and "preferred_start_time" in str(end_echo.render())


async def test_picking_a_station_fills_the_centre(sample):
    station = sample.stations()[0]
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot)
        screen.query_one("#station", Select).value = station.id
        await settle(pilot)
        assert float(screen.query_one("#latitude", Input).value) == station.latitude
        assert float(screen.query_one("#longitude", Input).value) == station.longitude


async def test_escape_leaves_without_saving(sample):
    before = total(sample)
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_form(pilot)
        fill(screen, driver="drv_a")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        assert total(sample) == before


# ------------------------------------------------------------------ the form's logic, alone


def test_field_for_param_maps_api_params_to_fields():
    assert field_for_param("service_area[latitude]") == "latitude"
    assert field_for_param("service_area[radius_meters]") == "radius"
    assert field_for_param("metadata[fleet]") == "metadata"
    assert field_for_param("preferred_end_time") == "preferred_end"
    assert field_for_param("connector_types") == "connector_types"
    assert field_for_param(None) is None


def test_parse_metadata():
    assert parse_metadata("a=1\n\n# c\n b = two words ") == ({"a": "1", "b": "two words"}, None)
    assert parse_metadata("a=1\na=2")[1] == "line 2: key 'a' already set on line 1"
    assert parse_metadata("=x")[1] == "line 1: the key is empty"


def test_build_reports_every_field_at_once():
    res = build(FormValues({"driver": "bob", "radius": "abc"}, ()), SAMPLE_NOW)
    assert set(res.errors) >= {
        "driver",
        "vehicle",
        "preferred_start",
        "preferred_end",
        "connector_types",
        "latitude",
        "longitude",
        "radius",
    }


def test_describe_time_offsets_and_dates():
    ok, text = describe_time("preferred_start", FormValues({"preferred_start": "+90m"}), SAMPLE_NOW)
    assert ok and "18:30" in text and "in 1h30m" in text
    ok, text = describe_time(
        "preferred_start", FormValues({"preferred_start": "yesterday-ish"}), SAMPLE_NOW
    )
    assert not ok and text.startswith("Not a time")


def test_later_times_may_be_relative_to_the_start_and_end():
    """The command line's rule: start+45m from the preferred start, end+30m from the preferred
    end, a bare offset from now; the echo shows each as it reads."""
    typed = FormValues(
        {
            "preferred_start": "+1h",
            "preferred_end": "start+45m",
            "earliest_start": "start-15m",
            "latest_end": "end+30m",
        }
    )
    ok, text = describe_time("preferred_end", typed, SAMPLE_NOW)
    assert ok and "in 1h45m" in text
    res = build(typed, SAMPLE_NOW)
    start = SAMPLE_NOW + 3600
    assert res.params["preferred_start_time"] == start
    assert res.params["preferred_end_time"] == start + 45 * 60
    assert res.params["earliest_start_time"] == start - 15 * 60
    assert res.params["latest_end_time"] == start + 75 * 60
    bad = FormValues({"preferred_start": "start+5m", "preferred_end": "end+1h"})
    errors = build(bad, SAMPLE_NOW).errors
    assert "cannot be relative" in errors["preferred_start"]
    assert "not 'end'" in errors["preferred_end"]
