"""The background checkpointer (store/checkpoints.py) on real SQLite files: the WAL stays bounded
while a thread copies it back, nothing committed is lost, and a failing checkpoint hands the
writer back to SQLite's own automatic checkpoint."""

from __future__ import annotations

import os
import sqlite3

from sqlalchemy import text

from charge_tui.store.checkpoints import wal_frames
from charge_tui.store.db import Database

PAGES = 64
ROWS_PER_COMMIT = 20


def _writer_setting(db: Database) -> int:
    with db.write() as conn:
        return conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()


def _commit_rows(db: Database, commits: int, start: int = 0) -> list[int]:
    """``commits`` write transactions of ``ROWS_PER_COMMIT`` 2 KB rows each (about 11 WAL
    frames per commit); returns the WAL's length in frames after each."""
    seen = []
    shm = None
    for k in range(commits):
        with db.write() as conn:
            conn.exec_driver_sql(
                "INSERT INTO scratch (n, blob) VALUES (?, randomblob(2048))",
                [(start + k * ROWS_PER_COMMIT + i,) for i in range(ROWS_PER_COMMIT)],
            )
        if shm is None:
            shm = os.open(f"{db.engine.url.database}-shm", os.O_RDONLY)
        seen.append(wal_frames(shm))
    os.close(shm)
    return seen


def _store(tmp_path, **kw) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'c.db'}", wal_autocheckpoint=PAGES, **kw)
    with db.write() as conn:
        conn.exec_driver_sql("CREATE TABLE scratch (n INTEGER PRIMARY KEY, blob BLOB)")
    return db


def test_the_wal_stays_bounded_and_every_commit_is_kept(tmp_path):
    db = _store(tmp_path, checkpoint_in_background=True)
    ckpt = db.checkpointer
    assert ckpt is not None
    # The writer's connection leaves checkpoints to the thread.
    assert _writer_setting(db) == 0
    seen = _commit_rows(db, 400)
    written = 400 * ROWS_PER_COMMIT * 2048 // 4096  # frames, at least
    assert written > 30 * PAGES
    assert ckpt.rounds > 5 and ckpt.catch_ups > 5 and ckpt.error is None
    # The WAL started over again and again (without the writer's catch-up it never would, and
    # would end up holding every frame written). How far it runs past the limit before a round
    # ends depends on how busy the machine is, so that is bounded loosely.
    restarts = sum(1 for a, b in zip(seen, seen[1:], strict=False) if b < a)
    assert restarts >= 5
    assert max(seen) < written // 2
    assert os.path.getsize(tmp_path / "c.db-wal") < written // 2 * (4096 + 24)
    db.dispose()
    conn = sqlite3.connect(tmp_path / "c.db")
    assert conn.execute("SELECT count(*), sum(n) FROM scratch").fetchone() == (
        8000,
        sum(range(8000)),
    )
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()


def test_without_it_the_commits_checkpoint_as_sqlite_does(tmp_path):
    db = _store(tmp_path)
    assert db.checkpointer is None
    assert _writer_setting(db) == PAGES
    seen = _commit_rows(db, 60)
    assert max(seen) < 2 * PAGES
    db.dispose()


def test_a_failing_checkpoint_hands_the_writer_back_to_sqlite(tmp_path):
    db = _store(tmp_path, checkpoint_in_background=True)
    ckpt = db.checkpointer
    assert ckpt is not None
    # A real failure: the thread cannot open the file it is told to checkpoint.
    ckpt.path = str(tmp_path)
    seen = _commit_rows(db, 120)
    assert isinstance(ckpt.error, sqlite3.Error)
    assert ckpt.rounds == 0
    assert not ckpt._thread.is_alive()
    # SQLite's automatic checkpoint is back on the writer: the WAL starts over again.
    assert _writer_setting(db) == PAGES
    assert seen[-1] < 2 * PAGES
    with db.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM scratch")).scalar_one() == 2400
    db.dispose()


def test_dispose_stops_the_thread(tmp_path):
    db = _store(tmp_path, checkpoint_in_background=True)
    ckpt = db.checkpointer
    assert ckpt is not None and ckpt._thread.is_alive()
    _commit_rows(db, 10)
    db.dispose()
    assert not ckpt._thread.is_alive()


def test_only_sqlite_files_get_one(tmp_path):
    db = Database("sqlite://", wal_autocheckpoint=PAGES, checkpoint_in_background=True)
    assert db.checkpointer is None
    db.dispose()
    db = Database(f"sqlite:///{tmp_path / 'd.db'}", checkpoint_in_background=True)
    assert db.checkpointer is None  # no limit given: SQLite's own checkpoint
    db.dispose()
