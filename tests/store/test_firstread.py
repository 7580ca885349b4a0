"""The console's first read (``store/firstread.py``, plain ``sqlite3``) answers exactly what
``store/listing.py`` answers through SQLAlchemy, through the same indexes, and steps aside
(returns None) whenever the store is not the plain case.

SQLite only: the first read exists for SQLite files.
"""

from __future__ import annotations

import itertools
import re
import shutil
import sqlite3

import pytest

from charge_tui.domain.clock import FrozenClock
from charge_tui.domain.enums import Status
from charge_tui.engine.simulator import SimConfig, Simulator
from charge_tui.service import ReservationService
from charge_tui.store import listing, migrations
from charge_tui.store.db import Database
from charge_tui.store.firstread import SCHEMA_VERSION, FirstReadUnavailable, open_first_read
from charge_tui.store.listquery import ListQuery, SortKey

START = 1_795_000_000 // 86400 * 86400

QUERIES = [
    ListQuery(status=status, sort=sort, descending=desc)
    for status, sort, desc in itertools.product([None, *Status], list(SortKey), [True, False])
]


@pytest.fixture(scope="module")
def sim_path(tmp_path_factory):
    """A store from a simulated half day: every status, ties on ``created``."""
    path = tmp_path_factory.mktemp("firstread") / "sim.db"
    db = Database(f"sqlite:///{path}")
    Simulator.for_database(
        db, SimConfig(seed=7, stations=10, hours=12, rate=40, start=START, radius_km=6.0)
    ).run()
    db.dispose()
    return path


@pytest.fixture
def store(sim_path, tmp_path):
    path = tmp_path / "store.db"
    shutil.copyfile(sim_path, path)
    return path


@pytest.fixture
def both(store):
    """The first read and the store layer on the same file."""
    url = f"sqlite:///{store}"
    first = open_first_read(url)
    assert first is not None
    db = Database(url)
    yield first, db
    first.close()
    db.dispose()


def test_the_schema_version_is_the_latest_migration():
    assert SCHEMA_VERSION == migrations.LATEST


def test_the_store_has_every_status(sim_path):
    first = open_first_read(f"sqlite:///{sim_path}")
    assert first is not None
    counts = first.counts()
    first.close()
    assert all(counts[s] > 0 for s in Status), counts


@pytest.mark.parametrize("q", QUERIES, ids=lambda q: f"{q.status}-{q.sort}-{q.descending}")
def test_first_pages_are_listings_pages(both, q):
    first, db = both
    with db.read() as conn:
        n = len(listing.forward(conn, q, limit=100_000).rows)
        # ...including a page that ends exactly at the last row (nothing more).
        for limit in sorted({1, 7, 40, max(1, n - 1), max(1, n), n + 1, 100_000}):
            want = listing.forward(conn, q, limit=limit)
            got = first.first(q, limit)
            assert [r.id for r in got.rows] == [r.id for r in want.rows]
            assert got.rows == want.rows  # every field decoded the same way
            assert (got.more, got.resume, got.scanned) == (want.more, want.resume, 0)


def test_counts_and_token_are_listings(both):
    first, db = both
    with db.read() as conn:
        assert first.counts() == listing.counts_by_status(conn)
        assert first.token() == listing.change_token(conn)
    # A change made through the store shows in the first read's token and counts.
    with db.read() as conn:
        rid, created = conn.exec_driver_sql(
            "SELECT id, created FROM reservations WHERE status = 'pending' LIMIT 1"
        ).one()
    before = first.token()
    ReservationService(db, clock=FrozenClock(created)).cancel(rid, actor="dispatcher")
    assert first.token() != before
    with db.read() as conn:
        assert first.counts() == listing.counts_by_status(conn)


def test_a_search_is_not_the_first_reads(store):
    first = open_first_read(f"sqlite:///{store}")
    assert first is not None
    assert not first.serves(ListQuery(search="drv_"))
    with pytest.raises(ValueError):
        first.first(ListQuery(search="drv_"), 10)
    first.close()


def test_closed_means_ask_the_store(store):
    first = open_first_read(f"sqlite:///{store}")
    assert first is not None
    first.close()
    first.close()  # idempotent
    with pytest.raises(FirstReadUnavailable):
        first.counts()


def test_it_steps_aside_unless_the_plain_case(store, tmp_path):
    assert open_first_read("postgresql+psycopg://u@/db?host=/tmp") is None
    assert open_first_read("sqlite://") is None
    assert open_first_read("sqlite:///:memory:") is None
    assert open_first_read(f"sqlite:///{tmp_path / 'missing.db'}") is None
    assert open_first_read(f"sqlite:///{tmp_path}") is None  # a directory
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    assert open_first_read(f"sqlite:///{junk}") is None
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    assert open_first_read(f"sqlite:///{other}") is None  # SQLite, not charge-tui's
    older = tmp_path / "older.db"
    shutil.copyfile(store, older)
    conn = sqlite3.connect(older)
    with conn:
        conn.execute("UPDATE schema_meta SET value = '3' WHERE key = 'schema_version'")
    conn.close()
    assert open_first_read(f"sqlite:///{older}") is None  # the store layer upgrades it first
    assert open_first_read(f"sqlite:///{store}") is not None


def test_it_never_writes(store):
    first = open_first_read(f"sqlite:///{store}")
    assert first is not None
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        first._conn.execute("DELETE FROM reservations")
    first.close()


def _plans(path, sqls: list[tuple[str, tuple]]) -> list[tuple[str, str]]:
    conn = sqlite3.connect(path)
    out = [
        (sql, row[-1])
        for sql, params in sqls
        for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params)
    ]
    conn.close()
    return out


@pytest.mark.parametrize("analyzed", [False, True])
def test_its_statements_use_the_indexes(store, analyzed):
    """No full scan and no sort of the whole table, before and after ANALYZE."""
    if analyzed:
        conn = sqlite3.connect(store)
        conn.execute("ANALYZE")
        conn.close()
    first = open_first_read(f"sqlite:///{store}")
    assert first is not None
    seen: list[tuple[str, tuple]] = []
    real = first._all

    def record(sql, params=()):
        seen.append((sql, params))
        return real(sql, params)

    first._all = record
    for q in QUERIES:
        first.first(q, 40)
    first.counts()
    first.token()
    first.close()
    assert len(seen) == len(QUERIES) + len(Status) + 3
    lines = _plans(store, seen)
    assert not [(s, line) for s, line in lines if re.match(r"SCAN reservations(?! USING)", line)]
    assert not [(s, line) for s, line in lines if re.match(r"SCAN evses(?! USING)", line)]
    assert not [(s, line) for s, line in lines if "TEMP B-TREE" in line]


def test_a_failing_read_says_ask_the_store(store):
    first = open_first_read(f"sqlite:///{store}")
    assert first is not None
    first._conn.execute("PRAGMA query_only = 1")
    with pytest.raises(FirstReadUnavailable):
        first._all("SELECT * FROM no_such_table")
    first.close()
