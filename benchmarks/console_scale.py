"""The console at scale: what the list costs at 10k, 100k and 1M reservations, and startup.

For each store size it builds (or reuses, under the git-ignored ``benchmarks/.stores/``) a store made
by the real simulator, then measures the console headless under ``App.run_test(size=(120, 36))``, in
a fresh process per size (so the peak RSS is that size's), on a copy of the store (the burst writes):

- **first paint**: from opening the store and starting the app to the first frame that shows rows;
- **end**: ``end`` pressed → the frame showing the last reservation of the order, highlighted;
- **filter**: ``2`` (confirmed only) → the frame showing the filtered rows;
- **search**: a driver id prefix, and an exact reservation id (far from the window), ``enter``
  pressed in the search box → the frame showing the result;
- **burst**: another process cancels the 1,000 newest pending reservations in one transaction; the
  open list (cursor a few rows down) must show every cancelled row it holds after *one* refresh,
  cursor on the same reservation. Printed: refresh (the store watcher noticing the change →
  the frame showing it) and commit → frame (which includes waiting for the 1 s poll);
- **peak RSS** of that process (``VmHWM``: :func:`peak_rss_mb`).

"A frame" is a compositor update handed to the driver (``App._display``) that repainted the
list's table (:class:`Frames`), so every figure includes rendering the rows. Then the startup:
``charge-tui``'s console on an empty store vs a minimal Textual app (Header, Footer, empty
DataTable), each in fresh processes from interpreter start (imports included, from bytecode as
for an installed package: :func:`_byte_compile`) to the first frame with the list in place;
median of several runs.

    python benchmarks/console_scale.py [--sizes 10000,100000,1000000] [--seed 1] [--json]

Building a store runs the simulator (``benchmarks/build_store.py`` when present); the 1M store
takes a while the first time, then it is reused.
"""

from __future__ import annotations

import time

T_PROCESS = time.perf_counter()  # before any heavy import: startup is measured from here

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
STORES = HERE / ".stores"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

SIZE = (120, 36)
BURST = 1_000
STARTUP_RUNS = 7
#: Each interaction is measured this many times (the median is printed).
REPEAT = 5


# ------------------------------------------------------------------------------ stores


def _simulate_store(path: Path, n: int, seed: int) -> Path:
    """Fallback builder: the real simulator (``simulate --fast``) over one simulated day, loaded like
    the default run (about 1.5 requests per station and hour), until about ``n`` requests."""
    import math

    from charge_tui.engine.simulator import SimConfig, Simulator
    from charge_tui.store.db import Database

    hours = 24.0
    stations = max(10, n // 36)
    config = SimConfig(
        seed=seed,
        stations=stations,
        hours=hours,
        rate=n / hours,
        start=1_795_000_000 // 86400 * 86400,
        radius_km=12.0 * math.sqrt(stations / 40),
    )
    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    db = Database(f"sqlite:///{tmp}")
    try:
        Simulator.for_database(db, config).run()
    finally:
        db.dispose()
    tmp.rename(path)
    return path


def store_for(n: int, seed: int) -> Path:
    """A store of about ``n`` reservations made by the simulator: one already under ``.stores/``
    (the colleague builder's ``sim-N-seedS.db`` or this script's ``console-N-seedS.db``), else a
    new one from ``build_store.py`` when present, else from :func:`_simulate_store`."""
    STORES.mkdir(parents=True, exist_ok=True)
    try:
        from build_store import build_store, default_path
    except ImportError:
        build_store = default_path = None
    candidates = [STORES / f"console-{n}-seed{seed}.db"]
    if default_path is not None:
        candidates.insert(0, Path(default_path(n, seed)))
    for path in candidates:
        if path.exists():
            return path
    t = time.perf_counter()
    print(f"building a store of {n:,} reservations (simulator)…", file=sys.stderr, flush=True)
    if build_store is not None:
        path = Path(build_store(candidates[0], n, seed))
    else:
        path = _simulate_store(candidates[-1], n, seed)
    print(f"  built in {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
    return path


def _copy_store(src: Path) -> Path:
    dst = src.with_name(f"work-{os.getpid()}-{src.name}")
    for suffix in ("", "-wal", "-shm"):
        s = Path(str(src) + suffix)
        if s.exists():
            shutil.copyfile(s, str(dst) + suffix)
    return dst


def _remove_store(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


# ------------------------------------------------------------------------------ frames


class Frames:
    """Times the first frame (a compositor update handed to the driver) at which ``ready`` holds
    *and* that repainted the list's table while it held.

    Checking the app's state alone at each frame is not enough: a frame that only reflows the
    layout or repaints the status line can be shown while the table's new rows are not drawn
    yet (their repaint comes with a later frame). Such a frame made ``end`` look like ~10 ms
    about half of the time and ~60 ms the rest; the table's own repaint is what the user waits
    for."""

    def __init__(self, table_class: type | None = None) -> None:
        """``table_class``: the table whose repaint a frame must include (default: the list's
        ``ReservationTable``; the minimal app of the startup figure passes ``DataTable``, so as
        not to import charge_tui there)."""
        from textual.app import App

        if table_class is None:
            from charge_tui.tui.widgets.reservation_list import ReservationTable as table_class

        self.ready = None
        self.at: float | None = None
        #: The table was rendered, in the frame being composed, while ``ready`` held.
        self._table_ready = False
        original = App._display
        original_lines = table_class.render_lines
        frames = self

        def _ready(app) -> bool:
            try:
                return bool(frames.ready(app))
            except Exception:  # a widget not mounted yet
                return False

        def render_lines(table, crop):
            lines = original_lines(table, crop)
            if frames.ready is not None and frames.at is None and _ready(table.app):
                frames._table_ready = True
            return lines

        def _display(app, screen, renderable):
            original(app, screen, renderable)
            if (
                renderable is not None
                and frames.ready is not None
                and frames.at is None
                and frames._table_ready
                and _ready(app)
            ):
                frames.at = time.perf_counter()
            frames._table_ready = False

        App._display = _display
        table_class.render_lines = render_lines

    def expect(self, ready) -> None:
        self.at = None
        self._table_ready = False
        self.ready = ready

    async def wait(self, what: str, timeout: float = 120.0) -> float:
        import asyncio

        deadline = time.perf_counter() + timeout
        while self.at is None:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"no frame showed {what} within {timeout:g} s")
            await asyncio.sleep(0.002)
        at, self.ready = self.at, None
        return at


# ------------------------------------------------------------------------------ one size


def _burst_child(path: str) -> int:
    """Another process: cancel the reservations whose ids come on stdin, in one transaction."""
    from sqlalchemy import func, select

    from charge_tui.domain.clock import FrozenClock
    from charge_tui.service import ReservationService
    from charge_tui.store import tables
    from charge_tui.store.db import Database

    ids = json.loads(sys.stdin.read())
    db = Database(f"sqlite:///{path}")
    with db.read() as conn:
        now = int(conn.execute(select(func.max(tables.reservations.c.updated))).scalar_one()) + 60
    service = ReservationService(db, clock=FrozenClock(now))
    t0 = time.perf_counter()
    with service.transaction() as uow:
        for rid in ids:
            uow.cancel(rid, actor="benchmark")
    committed = time.time()
    print(json.dumps({"committed": committed, "write_s": time.perf_counter() - t0}), flush=True)
    db.dispose()
    return 0


async def _quiet(pilot, pause: float | None = None) -> None:
    """Every step starts from an idle console (no load in flight)."""
    from textual.worker import WorkerCancelled

    for _ in range(3):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:  # replaced by a newer worker of its group: wait again
            await pilot.pause()
            await pilot.app.workers.wait_for_complete()
        await pilot.pause(pause)


async def _measure(path: Path) -> dict:
    import asyncio

    from sqlalchemy import func, select
    from textual.widgets import DataTable, Input

    from charge_tui.cli.console import console_app
    from charge_tui.domain.enums import Status
    from charge_tui.store import paging as win
    from charge_tui.store import tables
    from charge_tui.store.db import Database
    from charge_tui.store.listing import ListQuery
    from charge_tui.tui.widgets.reservation_list import ReservationList

    R = tables.reservations
    frames = Frames()
    out: dict = {}

    def lst(app) -> ReservationList:
        return app.screen.query_one(ReservationList)

    def table(app) -> DataTable:
        return lst(app).table

    def highlighted(app) -> str | None:
        return lst(app).highlighted_id

    def settled(app) -> bool:
        return not lst(app).loading and table(app).row_count > 0

    refreshes: list[float] = []
    original_refresh = ReservationList.live_refresh

    def live_refresh(self) -> None:
        refreshes.append(time.perf_counter())
        original_refresh(self)

    ReservationList.live_refresh = live_refresh

    # As ``charge-tui --db PATH`` opens it: the first screen from the first read, the store
    # opened right after the first paint (console_app).
    t0 = time.perf_counter()
    app, close = console_app(f"sqlite:///{path}")
    frames.expect(lambda a: table(a).row_count > 0)
    async with app.run_test(size=SIZE) as pilot:
        out["first_paint"] = await frames.wait("the first rows") - t0
        out["window_rows"] = len(lst(app).window.rows)
        await _quiet(pilot)
        assert app.data.is_open, "the store opens after the first paint"
        db = Database(f"sqlite:///{path}")  # the benchmark's own reads

        async def timed(key: str, what: str, ready, press: str) -> None:
            """Press ``press``; the time to the first frame at which ``ready`` holds."""
            frames.expect(ready)
            t = time.perf_counter()
            await pilot.press(press)
            out.setdefault(key + "_runs", []).append(await frames.wait(what) - t)

        with db.read() as conn:
            total = int(conn.execute(select(func.count()).select_from(R)).scalar_one())
            last_id = win.last(conn, ListQuery(), limit=1).rows[-1].id
            middle = conn.execute(
                select(R.c.id, R.c.driver).order_by(R.c.created, R.c.id).offset(total // 2).limit(1)
            ).one()
        prefix = middle.driver[:9]

        def searched(text: str, exact: bool):
            return lambda a: (
                lst(a).window.query.search == text
                and table(a).row_count > 0
                and (not exact or (table(a).row_count == 1 and highlighted(a) == middle.id))
            )

        for _ in range(REPEAT):
            # end, then back home
            await timed("end", "the last row", lambda a: highlighted(a) == last_id, "end")
            await pilot.press("home")
            await _quiet(pilot)
            # filter: 2 = confirmed, then 0 = all
            await timed(
                "filter",
                "the confirmed rows",
                lambda a: (
                    lst(a).query_state.status is Status.CONFIRMED
                    and lst(a).window.rows[0].status is Status.CONFIRMED
                    and lst(a).window.rows[0].id == highlighted(a)
                ),
                "2",
            )
            await _quiet(pilot)
            await pilot.press("0")
            await _quiet(pilot)
            # search: a driver id prefix, and an exact id far from the window (enter applies it)
            for key, text, exact in (
                ("search_prefix", prefix, False),
                ("search_id", middle.id, True),
            ):
                await pilot.press("slash")
                app.screen.query_one("#search", Input).value = text
                await _quiet(pilot)
                await timed(key, f"the search {text!r}", searched(text, exact), "enter")
                out[key + "_rows"] = table(app).row_count
                await pilot.press("escape")
                await _quiet(pilot)
        for key in ("end", "filter", "search_prefix", "search_id"):
            out[key] = statistics.median(out[key + "_runs"])
        out["search_prefix_text"] = prefix

        # burst: another process cancels the 1,000 newest pending reservations in one transaction
        for _ in range(5):
            await pilot.press("down")
        await _quiet(pilot)
        kept = highlighted(app)
        before = [r.id for r in lst(app).window.rows]
        with db.read() as conn:
            ids = list(
                conn.execute(
                    select(R.c.id)
                    .where(R.c.status == "pending")
                    .order_by(R.c.status, R.c.created.desc(), R.c.id.desc())
                    .limit(BURST)
                ).scalars()
            )
        cancelled = set(ids)
        visible = [rid for rid in before if rid in cancelled]

        def shown(a) -> bool:
            if not refreshes or lst(a).loading:
                return False
            rows = {r.id: r for r in lst(a).window.rows}
            t_ = table(a)
            return all(
                rid in rows
                and rows[rid].status is Status.CANCELLED
                and str(t_.get_cell(rid, "status")).strip() == "cancelled"
                for rid in visible
            )

        refreshes.clear()
        frames.expect(shown)
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--burst",
            str(path),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        stdout, _ = await proc.communicate(json.dumps(ids).encode())
        assert proc.returncode == 0, "the burst process failed"
        burst = json.loads(stdout)
        seen = await frames.wait("the cancelled rows", timeout=30)
        out["burst_refresh"] = seen - refreshes[0]
        # Not printed: the other process's commit call returns after its WAL checkpoint, so this
        # is only a rough figure (it can even come out negative).
        out["burst_latency"] = time.time() - burst["committed"] - (time.perf_counter() - seen)
        out["burst_refreshes"] = len(refreshes)
        out["burst_visible"] = len(visible)
        out["burst_cancelled"] = len(cancelled)
        out["burst_write_s"] = burst["write_s"]
        out["cursor_kept"] = highlighted(app) == kept
        assert len(cancelled) == BURST, f"only {len(cancelled)} pending reservations to cancel"
        assert visible, "none of the cancelled reservations is in the open list"
        assert len(refreshes) == 1, f"took {len(refreshes)} refreshes"
        assert out["cursor_kept"], "the cursor moved off its reservation"
        out["table_rows_end"] = table(app).row_count
        out["reservations"] = total
    db.dispose()
    close()
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def peak_rss_mb() -> float:
    """This process's peak RSS. Linux: ``VmHWM`` of ``/proc/self/status``, the high-water mark of
    this program's memory since its ``exec``. Not ``ru_maxrss``: Linux carries that across
    ``fork`` and ``exec``, so a measuring process started after this script built a store in
    its own memory reported the builder's peak (323 MB at 100k and 1M where the console's own
    was 117 MB). Elsewhere ``ru_maxrss``."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_size(store: Path) -> dict:
    """Runs :func:`_measure` in a fresh process on a copy of ``store``."""
    return _in_child("--measure", store)


def _in_child(flag: str, store: Path, env: Callable[[Path], dict] | None = None) -> dict:
    """This script with ``flag`` on a copy of ``store``, in a fresh process (its own peak RSS);
    ``env``: extra environment, given the copy's path. Returns the JSON it printed last."""
    work = _copy_store(store)
    try:
        proc = subprocess.run(
            [sys.executable, __file__, flag, str(work)],
            capture_output=True,
            text=True,
            check=False,
            env=dict(os.environ, **(env(work) if env else {})),
        )
    finally:
        _remove_store(work)
    if proc.returncode != 0:
        raise SystemExit(f"{flag} on {store.name} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------ the station board


async def _measure_board(path: Path) -> dict:
    """The station board on the store at ``path``, its clock at the store's last activity (what
    a dispatcher on shift sees): ``b`` → the first frame showing the stations and the first
    station's timelines; ``}`` → the frame showing the next day's timelines; ``F`` on the busiest
    EVSE of the first station → the frame showing the fault's preview; ``y`` → the frame showing
    the EVSE out of order. Each from an idle console, medians of ``REPEAT`` (the fault once)."""
    from textual.widgets import Static

    from charge_tui.cli.console import console_app
    from charge_tui.domain.board import DAY, faulted
    from charge_tui.tui.screens.board import BoardScreen
    from charge_tui.tui.screens.fault import FaultScreen
    from charge_tui.tui.widgets.timeline import EvseTimelines

    lines = Frames(EvseTimelines)
    dialogs = Frames(Static)
    out: dict = {}

    async def quiet(pilot) -> None:
        await _quiet(pilot, 0.15)  # (the station's timelines are read once its cursor rests)

    def board(a) -> BoardScreen | None:
        return next((s for s in a.screen_stack if isinstance(s, BoardScreen)), None)

    app, close = console_app(f"sqlite:///{path}")
    async with app.run_test(size=SIZE) as pilot:
        await quiet(pilot)
        for _ in range(REPEAT):
            lines.expect(lambda a: isinstance(a.screen, BoardScreen) and a.screen.shown is not None)
            t = time.perf_counter()
            await pilot.press("b")
            out.setdefault("board_open_runs", []).append(await lines.wait("the board") - t)
            await quiet(pilot)
            screen = board(app)
            for step in (DAY, -DAY):
                target = screen.period.shifted(step)
                lines.expect(lambda a, p=target: a.screen.shown and a.screen.shown.period == p)
                t = time.perf_counter()
                await pilot.press("right_curly_bracket" if step > 0 else "left_curly_bracket")
                out.setdefault("board_day_runs", []).append(await lines.wait("a day on") - t)
                await quiet(pilot)
            await pilot.press("escape")
            await quiet(pilot)
        await pilot.press("b")
        await quiet(pilot)
        screen = board(app)
        out["stations_total"] = screen.page.total
        # The busiest station of the first page, its EVSE with the most slots still to come.
        busiest = max(
            range(len(screen.page.stations)), key=lambda i: screen.page.stations[i].utilisation
        )
        screen.table.move_cursor(row=busiest)
        await quiet(pilot)
        shown = screen.shown
        counts = {e.id: 0 for e in shown.station.evses}
        for slot in shown.slots:
            if slot.end > shown.now:
                counts[slot.evse] += 1
        evse = max(counts, key=lambda k: counts[k])
        await pilot.press("tab")
        while screen.timelines.evse_id != evse:
            await pilot.press("down")
        dialogs.expect(lambda a: isinstance(a.screen, FaultScreen))
        t = time.perf_counter()
        await pilot.press("F")
        out["board_preview"] = await dialogs.wait("the fault preview") - t
        out["fault_effects"] = len(app.screen.preview.effects)
        await quiet(pilot)

        def down(a) -> bool:
            s = board(a)
            return (
                a.screen is s
                and s.shown is not None
                and any(e.id == evse and faulted(e) for e in s.shown.station.evses)
            )

        lines.expect(down)
        t = time.perf_counter()
        await pilot.press("y")
        out["board_fault"] = await lines.wait("the EVSE out of order") - t
        await quiet(pilot)
    close()
    for key in ("board_open", "board_day"):
        out[key] = statistics.median(out.pop(key + "_runs"))
    out["board_peak_rss_mb"] = peak_rss_mb()
    return out


def measure_board(store: Path) -> dict:
    """Runs :func:`_measure_board` in a fresh process on a copy of ``store``, its clock at the
    store's newest reservation."""
    import sqlite3

    def clock_at_newest(work: Path) -> dict:
        with sqlite3.connect(work) as conn:
            now = conn.execute("SELECT max(created) FROM reservations").fetchone()[0]
        return {"CHARGE_TUI_NOW": str(now)}

    return _in_child("--measure-board", store, clock_at_newest)


# ------------------------------------------------------------------------------ startup


def _startup_charge(path: str) -> float:
    """What ``charge-tui --db PATH`` does up to the first painted list: the command line's module,
    then ``console_app`` (the same function ``run_console`` calls), headless."""
    import asyncio

    from charge_tui.cli.main import parser_for
    from charge_tui.store.location import resolve_url

    argv = ["--db", path]
    args = parser_for(argv).parse_args(argv)
    from charge_tui.cli.console import console_app
    from charge_tui.tui.widgets.reservation_list import ReservationList

    frames = Frames()

    def ready(app) -> bool:
        lst = app.screen.query_one(ReservationList)
        return not lst.loading and lst.window.at_end and lst.query_one("#list-empty").display

    async def go() -> float:
        app, close = console_app(resolve_url(args.db))
        frames.expect(ready)
        async with app.run_test(size=SIZE):
            at = await frames.wait("the empty list")
        close()
        return at - T_PROCESS

    return asyncio.run(go())


def _startup_minimal() -> float:
    import asyncio

    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Footer, Header

    class Minimal(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield DataTable()
            yield Footer()

    frames = Frames(DataTable)

    async def go() -> float:
        app = Minimal()
        frames.expect(lambda a: a.query_one(DataTable).is_mounted)
        async with app.run_test(size=SIZE):
            at = await frames.wait("the empty table")
        return at - T_PROCESS

    return asyncio.run(go())


def _byte_compile() -> None:
    """Write the bytecode of ``charge_tui`` (and of this script's helpers) before timing startup.
    An installed package has it: pip compiles what it installs, and Python writes it on the first
    import unless told not to (``PYTHONDONTWRITEBYTECODE``, set on some machines, this one
    included). Without it each timed run would compile ``charge_tui`` from source (~25 ms here)
    while Textual, installed by pip, loads compiled: a cost no user's second start pays."""
    import compileall

    for folder in (ROOT / "charge_tui", HERE):
        compileall.compile_dir(str(folder), quiet=1)


def measure_startup() -> dict:
    _byte_compile()
    empty = STORES / "console-empty.db"
    if not empty.exists():
        from charge_tui.store.db import Database

        Database(f"sqlite:///{empty}").dispose()
    runs: dict[str, list[float]] = {"charge": [], "minimal": []}
    for _ in range(STARTUP_RUNS):
        for kind, extra in (("charge", [str(empty)]), ("minimal", [])):
            proc = subprocess.run(
                [sys.executable, __file__, f"--startup-{kind}", *extra],
                capture_output=True,
                text=True,
                check=True,
            )
            runs[kind].append(float(proc.stdout.strip().splitlines()[-1]))
    charge = statistics.median(runs["charge"])
    minimal = statistics.median(runs["minimal"])
    return {"charge": charge, "minimal": minimal, "ratio": charge / minimal}


# ------------------------------------------------------------------------------ report

ROWS = [
    ("first paint", "first_paint", 0.5),
    ("end", "end", 0.2),
    ("filter (2)", "filter", 0.2),
    ("search prefix", "search_prefix", 0.2),
    ("search exact id", "search_id", 0.2),
    ("burst refresh", "burst_refresh", None),
    ("board: open (b)", "board_open", 0.2),
    ("board: a day on ({ })", "board_day", 0.2),
    ("board: fault preview", "board_preview", 0.2),
    ("board: fault applied", "board_fault", 0.2),
]


def print_table(results: dict[int, dict], startup: dict | None) -> None:
    sizes = sorted(results)
    head = f"{'':<22}" + "".join(f"{n:>12,}" for n in sizes) + f"{'target':>10}{'max/min':>9}"
    print(head)
    print("-" * len(head))
    for label, key, target in ROWS:
        values = [results[n][key] for n in sizes]
        cells = "".join(f"{v * 1000:>10.1f}ms" for v in values)
        tgt = f"<{target * 1000:.0f}ms" if target else "1 poll"
        spread = max(values) / max(1e-9, min(values))
        print(f"{label:<22}{cells}{tgt:>10}{spread:>8.2f}×")
    for label, key in (("peak RSS", "peak_rss_mb"), ("board: peak RSS", "board_peak_rss_mb")):
        rss = [results[n][key] for n in sizes]
        print(
            f"{label:<22}"
            + "".join(f"{v:>10.0f}MB" for v in rss)
            + f"{'<150MB':>10}{max(rss) / min(rss):>8.2f}×"
        )
    for label, fn in (
        ("rows in the table", lambda r: f"{r['window_rows']}"),
        ("burst: rows shown", lambda r: f"{r['burst_visible']}/{r['burst_cancelled']}"),
        ("burst: refreshes", lambda r: f"{r['burst_refreshes']}"),
        ("burst: cursor kept", lambda r: "yes" if r["cursor_kept"] else "NO"),
        ("board: stations", lambda r: f"{r['stations_total']:,}"),
        ("board: fault touched", lambda r: f"{r['fault_effects']}"),
    ):
        print(f"{label:<22}" + "".join(f"{fn(results[n]):>12}" for n in sizes))
    if startup:
        print()
        print(
            f"startup to first painted list, empty store (median of {STARTUP_RUNS}, from "
            f"interpreter start): charge-tui {startup['charge'] * 1000:.0f} ms, minimal Textual "
            f"app {startup['minimal'] * 1000:.0f} ms, ratio {startup['ratio']:.2f} (target ≤ 1.5)"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-startup", action="store_true", help="skip the startup comparison")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--measure", metavar="DB", help=argparse.SUPPRESS)
    ap.add_argument("--burst", metavar="DB", help=argparse.SUPPRESS)
    ap.add_argument("--measure-board", metavar="DB", help=argparse.SUPPRESS)
    ap.add_argument("--startup-charge", metavar="DB", help=argparse.SUPPRESS)
    ap.add_argument("--startup-minimal", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        import asyncio

        print(json.dumps(asyncio.run(_measure(Path(args.measure)))))
        return 0
    if args.burst:
        return _burst_child(args.burst)
    if args.measure_board:
        import asyncio

        print(json.dumps(asyncio.run(_measure_board(Path(args.measure_board)))))
        return 0
    if args.startup_charge:
        print(_startup_charge(args.startup_charge))
        return 0
    if args.startup_minimal:
        print(_startup_minimal())
        return 0

    sizes = [int(x) for x in args.sizes.split(",") if x]
    results = {}
    for n in sizes:
        store = store_for(n, args.seed)
        print(f"measuring {store.name}…", file=sys.stderr, flush=True)
        results[n] = measure_size(store)
        results[n].update(measure_board(store))
    startup = None if args.no_startup else measure_startup()
    if args.json:
        print(json.dumps({"sizes": results, "startup": startup}, indent=2))
    else:
        print_table(results, startup)
    return 0


if __name__ == "__main__":
    sys.exit(main())
