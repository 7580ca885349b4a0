"""The operations layer in the console: the KPI strip against a brute-force recomputation, the
at-risk view against its definition, copy, export, keymap overrides, themes and a bad config."""

from __future__ import annotations

import csv
import json

from charge_tui.config import Config, load_config
from charge_tui.domain.api import reservation_to_api
from charge_tui.domain.atrisk import risk_of
from charge_tui.domain.clock import FrozenClock
from charge_tui.domain.enums import Status
from charge_tui.domain.kpis import COUNTED
from charge_tui.engine.simulator import SimConfig, Simulator
from charge_tui.service import ReservationService
from charge_tui.store import atrisk
from charge_tui.store.db import Database
from charge_tui.tui.app import ChargeApp
from charge_tui.tui.messages import StoreChanged
from charge_tui.tui.screens.atrisk import AtRiskScreen
from charge_tui.tui.screens.create import CreateScreen
from charge_tui.tui.screens.export import ExportScreen
from charge_tui.tui.screens.inspect import InspectScreen
from charge_tui.tui.screens.list import ListScreen
from charge_tui.tui.theming import contrast
from charge_tui.tui.widgets.kpi_strip import KpiStrip
from tests.store.test_atrisk import everything
from tests.store.test_kpis import brute_force
from tests.tui.conftest import SIZE, make_app, settle
from tests.tui.helpers import highlighted, rows, table

TALL = (140, 40)
START = 1_795_000_000 // 86400 * 86400 + 6 * 3600


def strip_figures(strip: KpiStrip) -> dict:
    s = strip.snapshot
    assert s is not None
    return {f: list(s.series[f]) for f in COUNTED}


async def test_kpi_strip_equals_brute_force_as_the_store_moves_on(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'sim.db'}")
    sim = Simulator.for_database(
        db, SimConfig(seed=9, stations=10, hours=30, rate=120, start=START, fault_rate=2.0)
    )
    sim.step(START + 20 * 3600)
    clock = FrozenClock(sim.clock.now())
    app = ChargeApp(ReservationService(db, clock=clock), poll_interval=3600)
    async with app.run_test(size=TALL) as pilot:
        await settle(pilot)
        strip = app.screen.query_one(KpiStrip)
        for _round in range(3):
            with db.read() as conn:
                want = brute_force(conn, strip.period, clock.now())
            assert strip_figures(strip) == want["counts"]
            held = want["held"]
            capacity = want["evses"] * strip.snapshot.interval
            assert list(strip.snapshot.series["utilisation"]) == [h / capacity for h in held]
            sim.step(sim.clock.now() + 1500)
            clock.at = sim.clock.now()
            app.screen.post_message(StoreChanged(("moved", _round)))
            await settle(pilot)
        assert sum(strip.snapshot.series["confirmed"]) > 0
        await pilot.press("K")  # hour -> shift
        await settle(pilot)
        assert strip.period == "shift"
        with db.read() as conn:
            assert strip_figures(strip) == brute_force(conn, "shift", clock.now())["counts"]
        await pilot.press("k")
        await settle(pilot)
        assert not app.screen.query(KpiStrip)
    db.dispose()


async def test_kpi_strip_stays_off_on_a_short_terminal(sample):
    app = make_app(sample)
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(pilot)
        assert not app.screen.query(KpiStrip)
        await pilot.press("k")
        await settle(pilot)
        assert app.screen.query(KpiStrip)


async def test_at_risk_view_holds_what_its_definition_says(sample):
    svc = sample
    with svc.reading() as conn:
        now = svc.clock.now()
        evse = next(
            r.evse
            for r in everything(conn)
            if r.status is Status.CONFIRMED and r.scheduled_end_time > now
        )
        conn.exec_driver_sql(f"UPDATE evses SET status = 'out_of_order' WHERE id = '{evse}'")
        conn.commit()
    app = make_app(svc)
    async with app.run_test(size=TALL) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AtRiskScreen)
        now = svc.clock.now()
        with svc.reading() as conn:
            faulted = atrisk.faulted_evses(conn)
            want = {
                r.id
                for r in everything(conn)
                if risk_of(r, now, svc.config.confirm_lead, faulted) is not None
            }
        t = screen.table
        shown = [str(t.coordinate_to_cell_key((i, 0)).row_key.value) for i in range(t.row_count)]
        assert set(shown) == want and len(shown) == len(want) > 0
        assert any("out of order" in str(t.get_cell_at((i, 1))) for i in range(t.row_count))
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, InspectScreen)
        assert app.screen.reservation_id == shown[1]
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        chip = app.screen.query_one("#count-risk")
        assert f"at risk {len(want)}" in str(chip.render())


async def test_copy_puts_the_id_and_the_api_json_on_the_clipboard(sample):
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rid = highlighted(app)
        await pilot.press("y")
        assert app.clipboard == rid
        await pilot.press("Y")
        assert json.loads(app.clipboard) == reservation_to_api(sample.retrieve(rid))
        await pilot.press("enter")
        await settle(pilot)
        app.copy_to_clipboard("")
        await pilot.press("y")
        assert app.clipboard == rid
        await pilot.press("Y")
        assert json.loads(app.clipboard)["id"] == rid


async def test_export_writes_every_row_of_the_view_once(sample, tmp_path):
    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")  # confirmed only
        await settle(pilot)
        shown = rows(app)
        for name, read in (
            ("c.csv", lambda p: [row["id"] for row in csv.DictReader(p.open())]),
            ("c.jsonl", lambda p: [json.loads(line)["id"] for line in p.open()]),
        ):
            await pilot.press("e")
            await settle(pilot)
            assert isinstance(app.screen, ExportScreen)
            app.screen.query_one("#export-path").value = str(tmp_path / name)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ListScreen)
            ids = read(tmp_path / name)
            assert ids == shown  # every row of the view, once, in the view's order
            assert len(ids) == sample.counts()[Status.CONFIRMED]
        # An existing file and a name without a format are refused in the dialog.
        await pilot.press("e")
        await settle(pilot)
        for bad in (str(tmp_path / "c.csv"), str(tmp_path / "c.txt")):
            app.screen.query_one("#export-path").value = bad
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ExportScreen)
        await pilot.press("escape")
        assert sorted(p.name for p in tmp_path.glob("*c.*")) == ["c.csv", "c.jsonl"]


async def test_a_keymap_override_moves_a_key(sample, tmp_path):
    config = Config(keymap={"list.new": "N"}, path=tmp_path / "config.toml")
    app = ChargeApp(sample, poll_interval=3600, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        await pilot.press("N")
        await settle(pilot)
        assert isinstance(app.screen, CreateScreen)


async def test_a_bad_config_is_one_line_each_and_the_console_starts(sample, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        'theme = "no-such-theme"\npoll_interval = "fast"\n[keymap]\n"list.nope" = "x"\n'
    )
    config = load_config(path)
    assert config.problems == (f"{path}: poll_interval: must be seconds from 0.2 to 60; using 1.0",)
    app = ChargeApp(sample, poll_interval=3600, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert rows(app)  # the console works
        assert app.theme == "textual-dark"
        said = [n.message for n in app._notifications]
        assert said == [
            config.problems[0],
            f"{path}: theme: no theme named 'no-such-theme'; using the default",
            f"{path}: keymap.list.nope: no binding has this id; ignored",
        ]


async def test_the_theme_is_remembered_and_comments_kept(sample, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("# my settings\npoll_interval = 2\n\n[keymap]\n# none yet\n")
    app = ChargeApp(sample, poll_interval=3600, config=load_config(path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.theme = "textual-light"
        await settle(pilot)
    text = path.read_text()
    assert text.startswith('theme = "textual-light"\n# my settings\npoll_interval = 2\n')
    assert "# none yet" in text
    assert load_config(path).theme == "textual-light"


async def test_status_colours_follow_the_theme_and_stay_readable(sample):
    from textual.color import Color

    app = make_app(sample)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rid = rows(app)[0]
        dark = table(app).get_cell(rid, "status").style
        app.theme = "textual-light"
        await settle(pilot)
        light = table(app).get_cell(rid, "status").style
        assert dark != light
        from charge_tui.tui.views import STATUS_STYLE

        background = Color.parse(app.get_css_variables()["background"])
        for status, style in STATUS_STYLE.items():
            colour = Color.parse(style.split()[-1])
            assert contrast(colour, background) >= 3.0, status
