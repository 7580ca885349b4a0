"""Snapshots of each screen (pytest-textual-snapshot), on the sample store: frozen clock, fixed
seed, local time UTC. Regenerate with ``--snapshot-update`` and look at the report first."""

from __future__ import annotations

from textual.widgets import Input, SelectionList, TextArea

from charge_tui.domain.enums import Status
from tests.tui.conftest import SIZE, make_app, settle


def _steady(app) -> None:
    """No blinking cursors in a snapshot."""
    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    for widget in app.screen.query(TextArea):
        widget.cursor_blink = False


def test_list_snapshot(sample, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("down", "down")
        await settle(pilot)
        _steady(pilot.app)

    assert snap_compare(make_app(sample), terminal_size=SIZE, run_before=run_before)


def test_list_filtered_and_searched_snapshot(sample, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("3", "slash", *"fleet=acme", "enter")
        await settle(pilot)
        _steady(pilot.app)

    assert snap_compare(make_app(sample), terminal_size=SIZE, run_before=run_before)


def test_create_with_errors_snapshot(sample, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        screen = pilot.app.screen
        values = {
            "driver": "alice",
            "vehicle": "veh_leaf",
            "preferred_start": "2026-11-19 18:00",
            "preferred_end": "in ninety minutes",
            "latitude": "37.7749",
            "longitude": "west",
            "radius": "5000",
        }
        for name, value in values.items():
            screen.query_one(f"#{name}", Input).value = value
        screen.query_one("#connector_types", SelectionList).select("ccs1")
        screen.query_one("#metadata", TextArea).text = "fleet=acme\nno equals sign"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        _steady(pilot.app)

    assert snap_compare(make_app(sample), terminal_size=SIZE, run_before=run_before)


def test_inspect_snapshot(sample, snap_compare):
    target = next(r for r in sample.list(limit=100).data if r.status is Status.COMPLETED)

    async def run_before(pilot):
        await settle(pilot)
        pilot.app.screen._inspect(target.id)
        await settle(pilot)

    assert snap_compare(make_app(sample), terminal_size=SIZE, run_before=run_before)


def test_inspect_json_snapshot(sample, snap_compare):
    target = next(r for r in sample.list(limit=100).data if r.status is Status.CONFIRMED)

    async def run_before(pilot):
        await settle(pilot)
        pilot.app.screen._inspect(target.id)
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)

    assert snap_compare(make_app(sample), terminal_size=SIZE, run_before=run_before)


def test_help_snapshot(sample, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(make_app(sample), terminal_size=SIZE, run_before=run_before)


def test_board_snapshot(sample, snap_compare):
    """The station board on the busiest station, a block selected, the clock frozen."""
    from tests.tui.helpers import board_on_busiest_block

    async def run_before(pilot):
        await settle(pilot)
        await board_on_busiest_block(pilot, settle)

    assert snap_compare(make_app(sample), terminal_size=SIZE, run_before=run_before)
