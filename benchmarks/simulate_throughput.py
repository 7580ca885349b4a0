"""Simulator throughput: transitions persisted per second, next to raw sqlite3 ceilings.

Everything is measured in the same run on the same machine:

1. **Raw ceilings**: plain ``sqlite3`` ``executemany``, 5,000 rows per transaction, on a fresh store
   with the real schema and every index (made by ``Database``), the pragmas the simulator uses
   (WAL, ``synchronous=NORMAL``, the simulator's page cache and WAL checkpoint interval): inserts
   of reservation-shaped rows, then status updates by primary key (``status``, ``updated``,
   ``version``) in random order. For reference also the old figure: event-like rows into a table
   with one index. The ceilings are measured before and after the simulator; the ratio uses their
   mean (one measurement alone moves by about ±10 % from run to run on a shared machine).
2. **The simulator**, as ``charge-tui simulate --fast`` runs it (the same code: simulator →
   confirmation engine → service → state machine → store, one transaction per tick, written
   behind by a writer process; ``--in-process``: as ``simulate --in-process``), on a fresh
   SQLite file, with a load high enough that per-tick costs amortize: by default 2,778 stations
   (15k EVSEs), 100,000 requests over one simulated day (36 per station and day, the default
   run's load per station), ticks of 300 simulated seconds. Transitions = events appended
   (creations included). The store is audited for the invariants of SPEC §3 at the end.
3. **Where the simulator's time goes**: written behind (:func:`behind_split`), the main thread's
   CPU time (its Python: it runs no statement), its waits for the writer process and the request
   process, and the writer's own time in its statements and commits; in process
   (:func:`timing_split`), the flushes' ``executemany``, the ``COMMIT`` (which SQLite runs without
   the interpreter lock; the next tick's requests are made in a thread meanwhile) and the main
   thread's Python (its CPU time less that of those statements and commits). From these, the
   bound the Python alone puts on the ratio: the transitions per second if every write, and
   every wait, took no time at all.

The ratio transitions/s ÷ raw insert ceiling is the figure that matters (target ≥ 25 %).

    python benchmarks/simulate_throughput.py [--per-day 100000] [--stations N] [--tick 300]
        [--hours 24] [--seed 1] [--raw-rows 100000] [--wal-autocheckpoint PAGES] [--build-1m]
        [--in-process] [--foreground-checkpoints]
        [--json]

``--build-1m`` also times building a 1,000,000-reservation store with the simulator
(``benchmarks/build_store.py``; reused from ``benchmarks/.stores/`` when present: delete it to
time it again).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import random
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.build_store import PER_STATION_DAY, build, default_path  # noqa: E402
from charge_tui.cli.simulate import SIM_CACHE_MIB, SIM_WAL_AUTOCHECKPOINT  # noqa: E402
from charge_tui.domain.codec import RESERVATION  # noqa: E402
from charge_tui.domain.ids import time_prefix  # noqa: E402
from charge_tui.engine.requests import RequestFeed  # noqa: E402
from charge_tui.engine.simulator import SimConfig, Simulator  # noqa: E402
from charge_tui.service.uow import UnitOfWork  # noqa: E402
from charge_tui.store.audit import check_invariants  # noqa: E402
from charge_tui.store.checkpoints import BackgroundCheckpointer  # noqa: E402
from charge_tui.store.db import Database  # noqa: E402
from charge_tui.store.writebehind import WriteBehind  # noqa: E402

START = 1_795_000_000 // 86400 * 86400
BATCH = 5000
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _connect(path: str, cache_mib: int, wal_autocheckpoint: int) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA cache_size=-{cache_mib * 1024}")
    conn.execute(f"PRAGMA wal_autocheckpoint={wal_autocheckpoint}")
    return conn


def _reservation_rows(n: int, rng: random.Random) -> list[tuple]:
    rows = []
    for i in range(n):
        created = START + i // 3
        start = created + rng.randrange(600, 3 * 86400)
        rows.append(
            (
                # Shaped like the store's ids (time-ordered: charge_tui.domain.ids).
                "rsv_" + time_prefix(created) + "".join(rng.choices(_ALNUM, k=18)),
                created,
                created,
                "pending",
                f"drv_{rng.randrange(50_000):06d}",
                f"veh_{rng.randrange(60_000):06d}",
                "ccs1,nacs",
                start,
                start + 3600,
                start - rng.randrange(3600),
                start + 3600 + rng.randrange(3600),
                40.7 + rng.random() / 10,
                -74.0 + rng.random() / 10,
                3000,
                "{}",
                "pm_card_visa",
                300,
                "usd",
                start - 86400,
                300,
                200,
                1200,
                None,
                None,
                None,
                None,
                None,
                None,
                1,
                0,
                start - 1800,
            )
        )
    return rows


def raw_ceilings(
    rows: int, cache_mib: int, wal_autocheckpoint: int = SIM_WAL_AUTOCHECKPOINT
) -> dict[str, float]:
    """Rows per second of plain sqlite3 executemany on the real schema (see the docstring)."""
    rng = random.Random(7)
    data = _reservation_rows(rows, rng)
    with tempfile.TemporaryDirectory() as d:
        Database(f"sqlite:///{d}/raw.db").dispose()  # the real schema, every index
        conn = _connect(f"{d}/raw.db", cache_mib, wal_autocheckpoint)
        cols = ", ".join(RESERVATION.names)
        marks = ", ".join("?" for _ in RESERVATION.names)
        sql = f"INSERT INTO reservations ({cols}) VALUES ({marks})"
        t = time.perf_counter()
        for k in range(0, rows, BATCH):
            conn.execute("BEGIN")
            conn.executemany(sql, data[k : k + BATCH])
            conn.execute("COMMIT")
        inserts = rows / (time.perf_counter() - t)
        ids = [r[0] for r in data]
        rng.shuffle(ids)
        params = [("confirmed", START + 86400, 2, i) for i in ids]
        t = time.perf_counter()
        for k in range(0, rows, BATCH):
            conn.execute("BEGIN")
            conn.executemany(
                "UPDATE reservations SET status = ?, updated = ?, version = ? WHERE id = ?",
                params[k : k + BATCH],
            )
            conn.execute("COMMIT")
        updates = rows / (time.perf_counter() - t)
        conn.close()

        conn = _connect(f"{d}/events.db", cache_mib, wal_autocheckpoint)
        conn.execute(
            "CREATE TABLE e (seq INTEGER PRIMARY KEY, id TEXT UNIQUE, rid TEXT, type TEXT, "
            "created INTEGER, actor TEXT, status TEXT, prev TEXT, data TEXT)"
        )
        conn.execute("CREATE INDEX ix_e ON e (rid, seq)")
        ev = [
            (f"evt_{i:024d}", data[i // 3][0], "reservation.confirmed", START + i, "engine",
             "confirmed", '{"status":"pending"}', "{}")
            for i in range(rows)
        ]  # fmt: skip
        t = time.perf_counter()
        for k in range(0, rows, BATCH):
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT INTO e (id, rid, type, created, actor, status, prev, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                ev[k : k + BATCH],
            )
            conn.execute("COMMIT")
        events = rows / (time.perf_counter() - t)
        conn.close()
    return {"inserts": inserts, "status_updates": updates, "event_like_inserts": events}


def fast_config(per_day: int, stations: int | None, hours: float, tick: int, seed: int):
    stations = stations or max(10, round(per_day / PER_STATION_DAY))
    return SimConfig(
        seed=seed,
        stations=stations,
        hours=hours,
        rate=per_day / 24.0,
        start=START,
        tick_seconds=tick,
        radius_km=12.0 * math.sqrt(stations / 40),
    )


class _TimedCursor:
    """A DBAPI cursor whose ``executemany`` adds its time to ``split["executemany"]``."""

    def __init__(self, cursor: Any, split: dict[str, float]) -> None:
        self._cursor = cursor
        self._split = split

    def executemany(self, sql: str, rows: Any) -> Any:
        t, cpu = time.perf_counter(), time.thread_time()
        try:
            return self._cursor.executemany(sql, rows)
        finally:
            self._split["executemany"] += time.perf_counter() - t
            self._split["writes_cpu"] += time.thread_time() - cpu

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


@contextlib.contextmanager
def timing_split(split: dict[str, float]) -> Iterator[None]:
    """While the simulator runs, add up where its time goes (about a thousand timer pairs in a
    run: per statement and per tick, not per row): ``executemany`` (the flushes' statements),
    ``commit`` (SQLite's ``COMMIT``, which runs without the interpreter lock), ``requests_cpu``
    (the CPU time of making the requests in the thread that does it during the ``COMMIT``; the
    first tick's, made before any commit, are in the running thread's time already) and
    ``runner_cpu``, the running thread's CPU time, and ``writes_cpu``, the part of it spent in
    those statements and commits: the difference is its Python (its waits, for the disk, the
    interpreter lock or the requests' thread, are in neither)."""
    from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

    runner = threading.get_ident()

    split.update(
        executemany=0.0, commit=0.0, catch_up=0.0, requests_cpu=0.0, runner_cpu=0.0, writes_cpu=0.0
    )
    cursor_of = UnitOfWork._sqlite_cursor
    do_commit = SQLiteDialect_pysqlite.do_commit
    prepare = Simulator._prepare_arrivals
    catch_up = BackgroundCheckpointer._catch_up

    def timed_cursor(uow: UnitOfWork) -> Any:
        cur = cursor_of(uow)
        return None if cur is None else _TimedCursor(cur, split)

    def write_timer(fn: Any, key: str) -> Any:
        """``fn`` (a method of the writer's thread), adding its wall time to ``split[key]`` and
        its CPU time to ``writes_cpu``."""

        def timed(*args: Any) -> None:
            t, cpu = time.perf_counter(), time.thread_time()
            try:
                fn(*args)
            finally:
                split[key] += time.perf_counter() - t
                split["writes_cpu"] += time.thread_time() - cpu

        return timed

    timed_commit = write_timer(do_commit, "commit")
    timed_catch_up = write_timer(catch_up, "catch_up")

    def timed_prepare(sim: Simulator, t: int) -> Any:
        if threading.get_ident() == runner:
            return prepare(sim, t)
        cpu = time.thread_time()
        try:
            return prepare(sim, t)
        finally:
            split["requests_cpu"] += time.thread_time() - cpu

    with _patched(
        split,
        (UnitOfWork, "_sqlite_cursor", timed_cursor),
        (SQLiteDialect_pysqlite, "do_commit", timed_commit),
        (Simulator, "_prepare_arrivals", timed_prepare),
        (BackgroundCheckpointer, "_catch_up", timed_catch_up),
    ):
        yield


@contextlib.contextmanager
def _patched(split: dict[str, float], *patches: tuple[type, str, Any]) -> Iterator[None]:
    """Each ``(class, name, function)`` put in place for the duration, then the originals back;
    ``split["runner_cpu"]``: the running thread's CPU time meanwhile."""
    originals = [(cls, name, getattr(cls, name)) for cls, name, _fn in patches]
    for cls, name, fn in patches:
        setattr(cls, name, fn)
    runner_cpu = time.thread_time()
    try:
        yield
    finally:
        split["runner_cpu"] = time.thread_time() - runner_cpu
        for cls, name, fn in originals:
            setattr(cls, name, fn)


@contextlib.contextmanager
def behind_split(split: dict[str, float]) -> Iterator[None]:
    """:func:`timing_split` for a run that writes behind: the running thread's CPU time
    (``runner_cpu``: its Python, as it runs no statement), its waits for the writer process
    (``writer_wait``) and for the request process (``feed_wait``, with the decoding of the
    requests), and the writer process's own figures (``write_seconds``: its statements,
    ``commit_seconds``: its commits, ``checkpoint_rounds``)."""
    split.update(runner_cpu=0.0, writer_wait=0.0, feed_wait=0.0)
    take, close = RequestFeed.take, WriteBehind.close

    def timed_take(feed: RequestFeed, t: int) -> Any:
        start = time.perf_counter()
        try:
            return take(feed, t)
        finally:
            split["feed_wait"] += time.perf_counter() - start

    def close_and_keep(writer: WriteBehind) -> None:
        close(writer)
        split["writer_wait"] += writer.waited
        split.update(writer.writer_stats)

    with _patched(split, (RequestFeed, "take", timed_take), (WriteBehind, "close", close_and_keep)):
        yield


def run_simulator(
    config: SimConfig,
    check: bool,
    wal_autocheckpoint: int = SIM_WAL_AUTOCHECKPOINT,
    background_checkpoints: bool = True,
    in_process: bool = False,
) -> dict:
    """One run as ``charge-tui simulate`` makes it (writing behind unless ``in_process``)."""
    split: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as d:
        db = Database(
            f"sqlite:///{d}/sim.db",
            cache_size_mib=SIM_CACHE_MIB,
            wal_autocheckpoint=wal_autocheckpoint,
            checkpoint_in_background=background_checkpoints,
        )
        sim = Simulator.for_database(db, config)
        sim.write_behind = not in_process
        sim.setup()
        with timing_split(split) if in_process else behind_split(split):
            t = time.perf_counter()
            sim.run()
            wall = time.perf_counter() - t
        k = sim.kpis()
        ckpt = db.checkpointer
        rounds = ckpt.rounds if ckpt is not None else None
        violations = check_invariants(db) if check else []
        db.dispose()
    return {
        "stations": k["stations"],
        "evses": k["evses"],
        "requests_per_day": round(config.rate * 24),
        "simulated_hours": k["simulated_hours"],
        "tick_seconds": config.tick_seconds,
        "created": k["reservations"]["created"],
        "transitions": k["events"],
        "ticks": k["ticks"],
        "wall_seconds": round(wall, 2),
        "transitions_per_second": round(k["events"] / wall, 1),
        "acceptance_rate": k["acceptance_rate"],
        "utilisation": k["utilisation"],
        "invariants_ok": not violations if check else None,
        "write_behind": not in_process,
        "background_checkpoint_rounds": rounds if in_process else split.get("checkpoint_rounds"),
        "split_seconds": _split_seconds(split, in_process),
    }


def _split_seconds(split: dict[str, float], in_process: bool) -> dict[str, float]:
    if not in_process:
        return {
            "python_main_thread": round(split["runner_cpu"], 2),
            "waits_for_writer": round(split["writer_wait"], 2),
            "waits_for_requests": round(split["feed_wait"], 2),
            "writer_statements": round(split.get("write_seconds", 0.0), 2),
            "writer_commits": round(split.get("commit_seconds", 0.0), 2),
        }
    return {
        "executemany": round(split["executemany"], 2),
        "commit": round(split["commit"], 2),
        "catch_up": round(split["catch_up"], 2),
        "python_main_thread": round(max(0.0, split["runner_cpu"] - split["writes_cpu"]), 2),
        "requests_cpu": round(split["requests_cpu"], 2),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-day", type=int, default=100_000, help="requests per simulated day")
    ap.add_argument("--stations", type=int, default=None, help="default: per-day / 36")
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--tick", type=int, default=300, help="simulated seconds per tick")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--raw-rows", type=int, default=100_000)
    ap.add_argument("--no-check", action="store_true", help="skip the invariant audit")
    ap.add_argument("--build-1m", action="store_true", help="also time a 1M-reservation store")
    ap.add_argument(
        "--wal-autocheckpoint",
        type=int,
        default=SIM_WAL_AUTOCHECKPOINT,
        metavar="PAGES",
        help="WAL checkpoint interval of both the ceiling and the simulator (default: the "
        f"simulator's, {SIM_WAL_AUTOCHECKPOINT:,}; SQLite's own default is 1,000)",
    )
    ap.add_argument(
        "--foreground-checkpoints",
        action="store_true",
        help="let the simulator's commits run its checkpoints, as SQLite does by default (the "
        "simulator's command runs them in a thread of their own)",
    )
    ap.add_argument(
        "--in-process",
        action="store_true",
        help="run the simulator as `charge-tui simulate --in-process` does: every tick written "
        "and committed by the simulator's own process (by default it writes behind, as "
        "`charge-tui simulate` does)",
    )
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    ckpt = args.wal_autocheckpoint
    # The ceiling is measured before and after the simulator, and their mean is the reference:
    # on a shared machine one measurement alone moves by ±10 % from run to run.
    before = raw_ceilings(args.raw_rows, SIM_CACHE_MIB, ckpt)
    config = fast_config(args.per_day, args.stations, args.hours, args.tick, args.seed)
    sim = run_simulator(
        config, not args.no_check, ckpt, not args.foreground_checkpoints, args.in_process
    )
    after = raw_ceilings(args.raw_rows, SIM_CACHE_MIB, ckpt)
    raw = {k: (before[k] + after[k]) / 2 for k in before}
    tps = sim["transitions_per_second"]
    split = sim["split_seconds"]
    python_only = split["python_main_thread"] + split.get("requests_cpu", 0.0)
    bound = sim["transitions"] / python_only if python_only > 0 else 0.0
    out = {
        "raw_rows_per_second": {k: round(v) for k, v in raw.items()},
        "raw_inserts_before_after": [round(before["inserts"]), round(after["inserts"])],
        "simulator": sim,
        "ratio_to_raw_inserts": round(tps / raw["inserts"], 4),
        "ratio_to_raw_status_updates": round(tps / raw["status_updates"], 4),
        "python_only_bound": {
            "transitions_per_second": round(bound),
            "ratio_to_raw_inserts": round(bound / raw["inserts"], 4),
        },
    }
    if args.build_1m:
        path = default_path(1_000_000, args.seed)
        if path.exists():
            out["build_1m"] = {"path": str(path), "reused": True}
        else:
            out["build_1m"] = build(path, 1_000_000, args.seed)
    if args.json:
        print(json.dumps(out))
        return 0
    print(
        f"raw sqlite3 executemany, {BATCH:,} rows per transaction, real schema and indexes, "
        f"WAL, synchronous=NORMAL, cache {SIM_CACHE_MIB} MiB, "
        f"wal_autocheckpoint {ckpt:,}:"
    )
    print(
        f"  reservation inserts        {raw['inserts']:>10,.0f} rows/s  (mean of "
        f"{before['inserts']:,.0f} before and {after['inserts']:,.0f} after the simulator)"
    )
    print(f"  status updates by id       {raw['status_updates']:>10,.0f} rows/s")
    print(f"  (event-like rows, 1 index  {raw['event_like_inserts']:>10,.0f} rows/s)")
    audit = {None: "not checked", True: "ok", False: "VIOLATED"}[sim["invariants_ok"]]
    mode = "--in-process" if args.in_process else "--fast, writing behind"
    print(
        f"simulator (simulate {mode}): {sim['stations']:,} stations / {sim['evses']:,} EVSEs, "
        f"{sim['requests_per_day']:,} requests/day, {sim['simulated_hours']:g} h in ticks of "
        f"{sim['tick_seconds']} s ({sim['ticks']:,} transactions), seed {args.seed}"
    )
    print(
        f"  {sim['created']:,} reservations, {sim['transitions']:,} transitions in "
        f"{sim['wall_seconds']:,.1f} s = {tps:,.0f} transitions/s; acceptance "
        f"{sim['acceptance_rate']:.1%}, utilisation {sim['utilisation']:.1%}; invariants {audit}"
    )
    print(
        f"  ratio: {out['ratio_to_raw_inserts']:.1%} of raw inserts, "
        f"{out['ratio_to_raw_status_updates']:.1%} of raw status updates"
    )
    if args.in_process:
        _print_in_process_split(sim, split, out, bound)
    else:
        _print_behind_split(sim, split, out, bound)
    b = out.get("build_1m")
    if b is not None:
        if b.get("reused"):
            print(f"1M store: {b['path']} exists, reused (delete it to time a build)")
        else:
            print(
                f"1M store: {b['reservations']:,} reservations, {b['events']:,} events, "
                f"{b['stations']:,} stations, {b['simulated_hours']:g} simulated h: built in "
                f"{b['wall_seconds']:,.0f} s ({b['events_per_second']:,} transitions/s), "
                f"audit {b['audit_seconds']} s, invariants {'ok' if b['invariants_ok'] else 'FAIL'}"
            )
    return 0


def _print_behind_split(sim: dict, split: dict, out: dict, bound: float) -> None:
    print(
        f"  where the {sim['wall_seconds']:,.1f} s went: the main thread's Python "
        f"{split['python_main_thread']:.1f} s of CPU (the engine, the state machine, building "
        f"the rows), its waits for the writer process {split['waits_for_writer']:.1f} s and for "
        f"the request process {split['waits_for_requests']:.1f} s (with decoding the requests); "
        f"beside it the writer process ran the statements for {split['writer_statements']:.1f} s "
        f"and the commits for {split['writer_commits']:.1f} s "
        f"({sim['background_checkpoint_rounds']} checkpoint rounds in its thread), and the "
        "request process made the requests"
    )
    print(
        f"  the main thread's Python alone ({split['python_main_thread']:.1f} s) would allow "
        f"{bound:,.0f} transitions/s = {out['python_only_bound']['ratio_to_raw_inserts']:.1%} "
        "of raw inserts"
    )


def _print_in_process_split(sim: dict, split: dict, out: dict, bound: float) -> None:
    rounds = sim["background_checkpoint_rounds"]
    where = (
        "inside the commits"
        if rounds is None
        else f"{rounds} rounds in a thread; the writer's catch-ups after them {split['catch_up']:.1f} s"
    )
    print(
        f"  where the {sim['wall_seconds']:,.1f} s went: executemany {split['executemany']:.1f} s, "
        f"COMMIT {split['commit']:.1f} s (checkpoints: {where}; the next tick's requests are "
        "made beside the commits: "
        f"{split['requests_cpu']:.1f} s of CPU), Python on the main thread "
        f"{split['python_main_thread']:.1f} s of CPU (the rest of the wall time: waits, for the "
        "disk, the interpreter lock or the requests' thread)"
    )
    print(
        f"  with writes that cost nothing, the Python alone "
        f"({split['python_main_thread']:.1f} + {split['requests_cpu']:.1f} s) would allow "
        f"{bound:,.0f} transitions/s = {out['python_only_bound']['ratio_to_raw_inserts']:.1%} "
        "of raw inserts"
    )


if __name__ == "__main__":
    sys.exit(main())
