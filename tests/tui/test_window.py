"""The list never holds the whole store: the window moves page by page, in the store's order."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from charge_tui.domain.clock import FrozenClock
from charge_tui.domain.enums import Status
from charge_tui.domain.ids import IdFactory
from charge_tui.service import ReservationService
from charge_tui.store import listing
from charge_tui.store import paging as win
from charge_tui.store import window as window_module
from charge_tui.store.db import Database
from charge_tui.store.listing import ListQuery, SortKey
from charge_tui.store.tables import reservations as R
from charge_tui.tui.widgets.reservation_list import ReservationList
from tests.sample_store import SAMPLE_NOW
from tests.tui.conftest import SIZE, make_app, settle
from tests.tui.helpers import highlighted, rows, table, window

N = 260


def params(i: int, now: int) -> dict:
    return {
        "connector_types": ["ccs1", "nacs"] if i % 2 else ["j1772"],
        "driver": f"drv_{i % 17:03d}",
        "vehicle": f"veh_{i % 11:03d}",
        "preferred_start_time": now + 3600 + (i * 7919) % 86400,
        "preferred_end_time": now + 3600 + (i * 7919) % 86400 + 1800,
        "service_area": {"latitude": 37.77, "longitude": -122.42, "radius_meters": 5000},
        "metadata": {"batch": f"b{i % 5}"} if i % 3 == 0 else {},
    }


@pytest.fixture
def big(db_path):
    """N reservations, ten per second (so ``created`` ties are broken by id), a few cancelled."""
    db = Database(f"sqlite:///{db_path}")
    clock = FrozenClock(SAMPLE_NOW - N)
    svc = ReservationService(db, clock=clock, ids=IdFactory(random.Random(11)))
    for start in range(0, N, 10):
        clock.at = SAMPLE_NOW - N + start
        with svc.transaction() as uow:
            made = [uow.create(params(i, clock.at)) for i in range(start, start + 10)]
            for r in made[::4]:
                uow.cancel(r.id)
    clock.at = SAMPLE_NOW
    yield svc
    db.dispose()


def store_order(svc, q: ListQuery) -> list[str]:
    """Every matching id in display order, straight from SQL (the reference)."""
    with svc.reading() as conn:
        rows_ = conn.execute(select(R.c.id, R.c[q.sort.value], R.c.status)).all()
    keep = [r for r in rows_ if q.status is None or r[2] == q.status.value]
    keep.sort(key=lambda r: (r[1], r[0]), reverse=q.descending)
    return [r[0] for r in keep]


@pytest.mark.parametrize(
    "q",
    [
        ListQuery(),
        ListQuery(descending=False),
        ListQuery(status=Status.CANCELLED),
        ListQuery(sort=SortKey.PREFERRED),
        ListQuery(status=Status.PENDING, sort=SortKey.UPDATED, descending=False),
    ],
)
def test_walking_forward_and_backward_visits_every_row_once(big, monkeypatch, q):
    monkeypatch.setattr(window_module, "PAGE", 23)
    monkeypatch.setattr(window_module, "MAX_ROWS", 60)
    want = store_order(big, q)
    with big.reading() as conn:
        w = win.first(conn, q)
        seen = list(w.ids)
        while not w.at_end:
            before = set(w.ids)
            w = win.forward(conn, w)
            assert len(w.rows) <= 60
            seen += [i for i in w.ids if i not in before]
        # walk back from the end
        w = win.last(conn, q)
        back = list(w.ids)
        while not w.at_start:
            before = set(w.ids)
            w = win.backward(conn, w)
            assert len(w.rows) <= 60
            back = [i for i in w.ids if i not in before] + back
    assert seen == want
    assert back == want


def _dedupe(ids):
    out, seen = [], set()
    for i in ids:
        if i not in seen:
            seen.add(i)
            out.append(i)
    return out


def test_bounded_scan_search_continues_where_it_stopped(big, monkeypatch):
    """A substring search reads at most SCAN_BUDGET rows per fetch and resumes from there."""
    monkeypatch.setattr(listing, "SCAN_CHUNK", 7)
    monkeypatch.setattr(listing, "SCAN_BUDGET", 21)
    q = ListQuery(search="batch")
    want = [r.id for r in _all(big) if "batch" in r.metadata]
    with big.reading() as conn:
        w = win.first(conn, q, limit=5)
        assert w.scanned <= 21 + 7
        got = list(w.ids)
        steps = 0
        while not w.at_end:
            w = win.forward(conn, w, limit=5, max_rows=1000)
            steps += 1
            got = _dedupe(got + list(w.ids))
        assert got == want
        assert steps > 3  # it really went in bounded steps


def _all(svc):
    out, after = [], None
    while True:
        page = svc.list(limit=100, starting_after=after)
        out += page.data
        if not page.has_more:
            return out
        after = page.data[-1].id


def test_refresh_sees_changes_inside_the_window_only(big, monkeypatch):
    monkeypatch.setattr(window_module, "PAGE", 30)
    q = ListQuery()
    with big.reading() as conn:
        w = win.first(conn, q)
    target = w.rows[3]
    if target.status is Status.PENDING:
        big.cancel(target.id)
    new = big.create(params(999, SAMPLE_NOW))
    with big.reading() as conn:
        w2 = win.refresh(conn, w, keep=target.id)
    assert w2.rows[0].id == new.id
    assert w2.index_of(target.id) == 4
    assert w2.rows[4].status is Status.CANCELLED
    assert len(w2.rows) == len(w.rows) + 1


async def test_the_table_holds_a_bounded_number_of_rows(big, monkeypatch):
    """Scrolling row by row far past the window: every row is shown once, in order, and the
    table never holds more than MAX_ROWS rows."""
    monkeypatch.setattr(window_module, "PAGE", 20)
    monkeypatch.setattr(window_module, "MAX_ROWS", 60)
    want = store_order(big, ListQuery())
    app = make_app(big)
    async with app.run_test(size=(120, 16)) as pilot:
        await settle(pilot)
        visited = [highlighted(app)]
        biggest = table(app).row_count
        steps = 150
        for _ in range(steps):
            await pilot.press("down")
            await settle(pilot, rounds=1)
            visited.append(highlighted(app))
            biggest = max(biggest, table(app).row_count)
        assert visited == want[: steps + 1]
        assert biggest <= 60
        assert not window(app).at_start
        # ...and back up to the top
        for _ in range(steps):
            await pilot.press("up")
            await settle(pilot, rounds=1)
            biggest = max(biggest, table(app).row_count)
        assert highlighted(app) == want[0]
        assert biggest <= 60


async def test_end_reads_the_last_page_directly(big, monkeypatch):
    monkeypatch.setattr(window_module, "PAGE", 20)
    monkeypatch.setattr(window_module, "MAX_ROWS", 50)
    want = store_order(big, ListQuery())
    app = make_app(big)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("end")
        await settle(pilot)
        assert highlighted(app) == want[-1]
        assert rows(app) == want[-len(rows(app)) :]
        assert table(app).row_count < N
        assert table(app).row_count <= app.screen.query_one(ReservationList)._limits()[1]
        await pilot.press("home")
        await settle(pilot)
        assert highlighted(app) == want[0]


async def test_end_pressed_before_the_first_window_settles_stays_on_the_last_row(big, monkeypatch):
    """``end`` right after the first rows show: the pages then read above the last one must not
    pull the window away from the cursor (the viewport lags behind a jump) nor swing it back and
    forth; the cursor stays on the last reservation and the table stays bounded."""
    monkeypatch.setattr(window_module, "PAGE", 20)
    monkeypatch.setattr(window_module, "MAX_ROWS", 60)
    want = store_order(big, ListQuery())
    app = make_app(big)
    async with app.run_test(size=(120, 16)) as pilot:
        while table(app).row_count == 0:
            await pilot.pause()
        await pilot.press("end")
        await settle(pilot, rounds=6)
        assert highlighted(app) == want[-1]
        assert window(app).at_end
        assert table(app).row_count <= 60
        assert rows(app) == want[-table(app).row_count :]
        assert not app.screen.query_one(ReservationList).loading


async def test_pages_around_a_jump_are_read_only_after_its_rows_are_painted(big, monkeypatch):
    """``end`` and ``home`` show their rows first: no page around the new window is read until
    the table has drawn them (a page read and applied before that frame held it back). The
    pages still follow, and the cursor stays put."""
    from charge_tui.tui.data import ConsoleData
    from charge_tui.tui.widgets.reservation_list import ReservationTable

    monkeypatch.setattr(window_module, "PAGE", 20)
    monkeypatch.setattr(window_module, "MAX_ROWS", 60)
    want = store_order(big, ListQuery())
    log: list[tuple[str, str | None]] = []
    render_lines = ReservationTable.render_lines

    def painting(self, crop):
        # What the frame being drawn holds: the highlighted row, as the user sees it.
        log.append(("paint", highlighted(self.app)))
        return render_lines(self, crop)

    def reading(name):
        original = getattr(ConsoleData, name)

        def read(self, *args, **kwargs):
            log.append(("read", name))
            return original(self, *args, **kwargs)

        return read

    monkeypatch.setattr(ReservationTable, "render_lines", painting)
    monkeypatch.setattr(ConsoleData, "forward", reading("forward"))
    monkeypatch.setattr(ConsoleData, "backward", reading("backward"))
    app = make_app(big)
    # A screen taller than the first rows of a jump (a page of 20): a page more is always
    # needed after one, and must come after the paint.
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key, target in [("end", want[-1]), ("home", want[0])] * 3:
            log.clear()
            await pilot.press(key)
            await settle(pilot, rounds=6)
            assert highlighted(app) == target
            reads = [i for i, (kind, _) in enumerate(log) if kind == "read"]
            painted = [i for i, entry in enumerate(log) if entry == ("paint", target)]
            assert painted, f"{key}: the new rows were never drawn"
            assert [log[i] for i in reads[:1]] == [
                ("read", "backward" if key == "end" else "forward")
            ]
            assert all(painted[0] < i for i in reads), f"{key}: a page was read before the paint"
        assert table(app).row_count <= 60


async def test_call_after_paint_runs_once_after_the_paint_or_the_fallback(monkeypatch):
    """The callback runs once after the table is drawn; a table that is never drawn (hidden)
    still gets it, after ``PAINT_FALLBACK`` seconds."""
    from textual.app import App

    from charge_tui.tui.widgets import painted_table
    from charge_tui.tui.widgets import reservation_list as rl

    monkeypatch.setattr(painted_table, "PAINT_FALLBACK", 0.05)

    class Two(App[None]):
        CSS = "#hidden { display: none; }"

        def compose(self):
            yield rl.ReservationTable(id="shown")
            yield rl.ReservationTable(id="hidden")

    app = Two()
    calls: list[str] = []
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        shown = app.query_one("#shown", rl.ReservationTable)
        hidden = app.query_one("#hidden", rl.ReservationTable)
        shown.add_column("id", key="id")
        shown.add_row("rsv_1", key="rsv_1")
        shown.call_after_paint(lambda: calls.append("shown"))
        hidden.call_after_paint(lambda: calls.append("hidden"))
        await pilot.pause()
        assert calls == ["shown"]  # painted: it did not wait for the fallback
        await pilot.pause(0.15)
        assert calls == ["shown", "hidden"]  # the hidden one, by the timer; the shown one once
