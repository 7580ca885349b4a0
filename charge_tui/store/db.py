"""Engine set-up: where the store is, how to open it, and how to fail clearly when it cannot be.

- URL: ``--db URL`` flag, else ``CHARGE_TUI_DB``, else ``charge.db`` in the user data directory
  (platformdirs). A plain path is taken as a SQLite file.
- SQLite: WAL journal, ``synchronous=NORMAL``, a busy timeout, foreign keys on. Write transactions
  begin ``IMMEDIATE`` so that read-check-write (slot look-up then booking) is serialised between
  processes; reads stay deferred and never block writers (WAL).
- Any failure to open, create, read or write turns into :class:`StoreUnavailable` with one line for
  humans (see :func:`describe_db_error`).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError

from charge_tui.domain.errors import StoreUnavailable
from charge_tui.domain.text import printable, text_problem
from charge_tui.store import migrations, sqliteconn
from charge_tui.store.checkpoints import BackgroundCheckpointer

ENV_BUSY_TIMEOUT = "CHARGE_TUI_BUSY_TIMEOUT_MS"
DEFAULT_BUSY_TIMEOUT_MS = 10_000


def busy_timeout_ms() -> int:
    """How long a SQLite writer waits for the lock before "database is locked" (env override)."""
    try:
        return max(0, int(os.environ.get(ENV_BUSY_TIMEOUT, DEFAULT_BUSY_TIMEOUT_MS)))
    except ValueError:
        return DEFAULT_BUSY_TIMEOUT_MS


def describe_db_error(exc: BaseException, url: str | None = None) -> str:
    """One line for a human: what is wrong with the database, no traceback."""
    where = f" ({_display_url(url)})" if url else ""
    orig = getattr(exc, "orig", None) or exc
    msg = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    low = msg.lower()
    if "locked" in low or "busy" in low:
        return f"database is locked by another process{where}; try again in a moment"
    if "readonly" in low or "read-only" in low:
        return f"database is read-only{where}: cannot write to it"
    if "unable to open" in low:
        return f"cannot open database{where}: check that the directory exists and is writable"
    if "not a database" in low or "malformed" in low:
        return f"not a charge-tui database{where}: the file is not SQLite or is damaged"
    return f"database error{where}: {msg}"


def _display_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


class Database:
    """An opened store: the SQLAlchemy engine plus the transaction helpers the service uses."""

    def __init__(
        self,
        url: str,
        *,
        create: bool = True,
        echo: bool = False,
        cache_size_mib: int | None = None,
        wal_autocheckpoint: int | None = None,
        checkpoint_in_background: bool = False,
    ) -> None:
        """``cache_size_mib``: SQLite page cache per connection (default SQLite's 2 MiB). Bulk
        writers (the simulator) set a larger one: every write touches pages of a dozen indexes,
        and rereading them from the OS costs more than the write. The console keeps the default
        (its memory stays small).

        ``wal_autocheckpoint``: WAL pages after which a commit of this connection copies the WAL
        back into the database file (SQLite's default 1,000, about 4 MiB). A bulk writer sets a
        larger one: a page that many transactions change is then copied back once per checkpoint
        instead of once every few transactions. Durability is unchanged (a commit is in the WAL
        either way; ``synchronous=NORMAL`` syncs at checkpoints); the WAL file grows to about
        that many pages between checkpoints.

        ``checkpoint_in_background`` (with ``wal_autocheckpoint``, SQLite files only): the
        checkpoints run in a thread of their own instead of inside the commit that reaches the
        limit (:mod:`charge_tui.store.checkpoints`), so that a bulk writer does not wait for them.
        The simulator's command uses it; an interactive process has no use for it."""
        self.url = url
        #: Write transactions committed through this object (what a cache kept between
        #: transactions checks to know that no other write of this process came between).
        self.commits = 0
        self._commits_lock = threading.Lock()
        self._checkpointer: BackgroundCheckpointer | None = None
        try:
            parsed = make_url(url)
        except (ArgumentError, ValueError, TypeError) as exc:
            raise StoreUnavailable(f"invalid database URL {printable(url)[:200]!r}") from exc
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.dialect = parsed.get_backend_name()
        #: The SQLite file (None for an in-memory or URI database, or another back end), and
        #: the settings its writer connections get: what a writer process needs to write as
        #: this object's connections do (:mod:`charge_tui.store.writebehind`).
        self.sqlite_path: str | None = None
        self.writer_settings: dict[str, int | bool | None] = {}
        if self.is_sqlite:
            self._check_sqlite_path(parsed.database, refuse_foreign=create)
            timeout = busy_timeout_ms()
            try:
                self.engine: Engine = create_engine(
                    url,
                    echo=echo,
                    connect_args={"check_same_thread": False, "timeout": timeout / 1000},
                )
            except (ArgumentError, SQLAlchemyError, ValueError, TypeError) as exc:
                raise StoreUnavailable(
                    f"cannot use database URL {_display_url(url)}: {exc}"
                ) from exc
            path = parsed.database
            if path and path != ":memory:" and not path.startswith("file:"):
                self.sqlite_path = path
            self.writer_settings = {
                "cache_mib": cache_size_mib,
                "wal_pages": wal_autocheckpoint,
                "checkpoint_in_background": checkpoint_in_background,
                "timeout_ms": timeout,
            }
            if (
                checkpoint_in_background
                and wal_autocheckpoint
                and path
                and path != ":memory:"
                and not path.startswith("file:")
            ):
                self._checkpointer = BackgroundCheckpointer(path, wal_autocheckpoint, timeout)
                # SQLite's own checkpoint off: 0 is "never" (None leaves SQLite's default).
                wal_autocheckpoint = 0
            _install_sqlite_hooks(self.engine, timeout, cache_size_mib, wal_autocheckpoint)
        else:
            try:
                self.engine = create_engine(url, echo=echo, pool_pre_ping=True)
            except (ArgumentError, ImportError, SQLAlchemyError, ValueError, TypeError) as exc:
                raise StoreUnavailable(
                    f"cannot use database URL {_display_url(url)}: {exc}"
                ) from exc
        if create:
            self.create_schema()

    def _check_sqlite_path(self, database: str | None, *, refuse_foreign: bool) -> None:
        if not database or database == ":memory:" or database.startswith("file:"):
            return
        path = Path(database)
        try:
            if text_problem(database):
                raise StoreUnavailable(
                    f"cannot open database {printable(database)!r}: the path is not valid UTF-8"
                )
            if not path.parent.exists():
                raise StoreUnavailable(
                    f"cannot open database {path}: directory {path.parent} does not exist"
                )
            if path.exists() and path.is_dir():
                raise StoreUnavailable(f"cannot open database {path}: it is a directory")
            if refuse_foreign and path.is_file() and path.stat().st_size > 0:
                foreign = _foreign_tables(path)
                if foreign:
                    raise migrations.foreign_database(f" ({_display_url(self.url)})", foreign)
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise StoreUnavailable(
                f"cannot open database {printable(database)!r}: {reason}"
            ) from None

    def create_schema(self) -> None:
        """Create a new store or upgrade an older one in place (see ``migrations.py``)."""
        try:
            with self.write() as conn:
                if self.dialect == "postgresql":
                    # One upgrader at a time across processes (released at commit).
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")
                migrations.upgrade(conn, self.dialect, where=f" ({_display_url(self.url)})")
        except (OperationalError, DBAPIError, sqlite3.Error) as exc:
            raise StoreUnavailable(describe_db_error(exc, self.url)) from exc
        except (ValueError, TypeError) as exc:  # a URL option the driver cannot read
            raise StoreUnavailable(
                f"cannot use database URL {_display_url(self.url)}: {exc}"
            ) from exc

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: ``BEGIN IMMEDIATE`` on SQLite, committed on success (then
        :attr:`commits` counts it)."""
        with self.engine.connect() as conn:
            if self.is_sqlite:
                conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            with conn.begin():
                yield conn
            if self._checkpointer is not None:
                self._checkpointer.committed(conn.connection.driver_connection)
        with self._commits_lock:
            self.commits += 1

    @contextlib.contextmanager
    def read(self, *, snapshot: bool = False) -> Iterator[Connection]:
        """A read transaction. ``snapshot``: every statement sees the same state of the store (a
        long export); SQLite's read transaction in WAL mode always does, PostgreSQL then runs it
        ``REPEATABLE READ``."""
        with self.engine.connect() as conn:
            if snapshot and self.dialect == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    @property
    def supports_multi_rowcount(self) -> bool:
        """Whether an ``executemany`` update reports the rows it changed in total (the flush's
        version check then takes one statement per group)."""
        return self.engine.dialect.supports_sane_multi_rowcount

    @property
    def checkpointer(self) -> BackgroundCheckpointer | None:
        """The background checkpointer (``checkpoint_in_background``), if there is one."""
        return self._checkpointer

    def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.close()
        self.engine.dispose()


def _foreign_tables(path: Path) -> list[str]:
    """The tables of a SQLite file that holds tables but no ``schema_meta`` (another
    application's database), read without changing anything (opening it as a store would switch
    it to WAL first); [] when it looks like a store, is empty, or cannot be read that way (the
    normal open then says what is wrong)."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return []
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
    except sqlite3.Error:
        return []
    finally:
        conn.close()
    return [] if "schema_meta" in names else names


def _install_sqlite_hooks(
    engine: Engine, timeout_ms: int, cache_size_mib: int | None, wal_autocheckpoint: int | None
) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised via every test
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own handling is off).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        sqliteconn.configure(cur, timeout_ms, cache_size_mib, wal_autocheckpoint)
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")
