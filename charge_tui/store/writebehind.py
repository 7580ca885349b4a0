"""Committing a bulk writer's transactions in a process of its own, one after another.

A simulated tick is Python first (the engine, the state machine, building rows) and SQLite after
(the rows written, the ``COMMIT``): done one after the other on one core. :class:`WriteBehind`
hands each transaction's statements to a writer process, which runs them in a transaction of its
own (``BEGIN IMMEDIATE`` … ``COMMIT``), in the order they were handed over, while the caller goes
on with its next tick on the other core. What the caller must guarantee for that to be correct is
that it never reads the store while it writes this way (the simulator answers every read of a run
from memory: the caches' ``load_all``, :meth:`charge_tui.engine.simulator.Simulator.run`).

What the writer guarantees:

- each batch is one transaction: written whole or not at all, in order;
- an update given an expected row count (a version check) that touches another number of rows
  rolls its transaction back, and nothing after it is written;
- another connection's commit since the writer's last one (``PRAGMA data_version`` read inside the
  write transaction, where nothing else can commit) rolls the transaction back too: the caller's
  view of the store is no longer the store, so nothing it computed may be written;
- after its first failure the writer writes nothing more, and the caller's next :meth:`submit` or
  :meth:`drain` raises :class:`WriteBehindStopped` saying which batch failed and why (one line);
  every batch before it is committed.

The checkpoints of the writer's WAL run in a thread of the writer process
(:class:`charge_tui.store.checkpoints.BackgroundCheckpointer`), as for the simulator's own writes.

The process is ``python -m charge_tui.store.writebehind``; batches go to its standard input and
its answers come back on its standard output, each a length-prefixed pickle (the rows are tuples
of ``str``, ``int``, ``float`` and ``None``).
"""

from __future__ import annotations

import contextlib
import pickle
import sqlite3
import struct
import sys
import time
from collections import deque
from typing import Any, BinaryIO

from charge_tui.domain.errors import StoreUnavailable
from charge_tui.store.helperproc import HELPER_NICE, start_python, widen_pipe

#: ``(sql, rows, expected)``: run ``sql`` once per row; ``expected``, if not None, is the total
#: number of rows the statement must change (else the transaction is rolled back).
Statement = tuple[str, list[tuple[Any, ...]], int | None]

_LEN = struct.Struct("<I")


class WriteBehindStopped(StoreUnavailable):
    """The writer process stopped: a batch failed (or the process died). Every batch handed over
    before that one is committed; that one and those after it are not."""

    def __init__(self, message: str, label: Any = None, reason: str = "error") -> None:
        super().__init__(message)
        #: The label of the batch that failed (None if the process died without saying).
        self.label = label
        #: ``"changed"`` (another connection wrote), ``"conflict"`` (a version check) or
        #: ``"error"`` (SQLite's error, or the process died).
        self.reason = reason


def _send(stream: BinaryIO, obj: Any) -> None:
    blob = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LEN.pack(len(blob)))
    stream.write(blob)
    stream.flush()


def _recv(stream: BinaryIO) -> Any:
    head = stream.read(_LEN.size)
    if len(head) < _LEN.size:
        raise EOFError
    size = _LEN.unpack(head)[0]
    blob = stream.read(size)
    if len(blob) < size:
        raise EOFError
    return pickle.loads(blob)


class WriteBehind:
    """See the module docstring. ``path``: the SQLite file (its schema made already);
    ``cache_mib``, ``wal_pages``, ``timeout_ms``: the writer connection's page cache, WAL pages
    between checkpoints (0: SQLite's default; in a thread with ``checkpoint_in_background``), and
    busy timeout, as ``Database`` gives its own connections (``Database.writer_settings``);
    ``in_flight``: batches handed over
    and not yet committed, at most (:meth:`submit` waits beyond that)."""

    def __init__(
        self,
        path: str,
        *,
        cache_mib: int | None = None,
        wal_pages: int | None = None,
        checkpoint_in_background: bool = False,
        timeout_ms: int = 5000,
        in_flight: int = 4,
    ) -> None:
        self.path = path
        self.in_flight = max(1, in_flight)
        #: Batches committed so far, and the seconds the caller waited for the writer.
        self.committed = 0
        self.waited = 0.0
        #: The writer's own figures, filled in by :meth:`close`: seconds spent writing and
        #: committing, checkpoint rounds.
        self.writer_stats: dict[str, float] = {}
        self._pending: deque[Any] = deque()
        self._sending = False
        self._failure: WriteBehindStopped | None = None
        self._proc = start_python(
            "charge_tui.store.writebehind",
            path,
            str(cache_mib or 0),
            str(wal_pages or 0),
            "1" if checkpoint_in_background else "0",
            str(timeout_ms),
            nice=HELPER_NICE,
        )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._to: BinaryIO = self._proc.stdin  # type: ignore[assignment]
        # A tick's statements are a few hundred KB: room for a few, so that handing one over
        # does not wait for the writer to finish the one before.
        widen_pipe(self._to.fileno())
        self._from: BinaryIO = self._proc.stdout  # type: ignore[assignment]
        # The writer reads the store's data_version before answering: every commit after this
        # point by another connection stops it at its next batch.
        self._answer()

    # ----------------------------------------------------------------- the caller's side
    def submit(self, label: Any, statements: list[Statement]) -> None:
        """Hand over one transaction's statements (raises :class:`WriteBehindStopped` if an
        earlier batch failed). Waits while :attr:`in_flight` batches are not yet committed."""
        self._raise_if_failed()
        while len(self._pending) >= self.in_flight:
            self._answer()
            self._raise_if_failed()
        t = time.perf_counter()
        self._sending = True
        try:
            _send(self._to, ("write", label, statements))
            self._sending = False
        except (BrokenPipeError, OSError):
            self._died()
            self._raise_if_failed()
        finally:
            # (A full pipe makes the caller wait for the writer to read.)
            self.waited += time.perf_counter() - t
        self._pending.append(label)

    def drain(self) -> None:
        """Wait until every batch handed over is committed (or raise for the first that was
        not)."""
        while self._pending and self._failure is None:
            self._answer()
        self._raise_if_failed()

    def close(self) -> None:
        """Wait for the batches handed over to be committed, then stop the process (whatever
        happened; :attr:`writer_stats` is filled in when it could say them)."""
        try:
            # (A hand-over cut short, by a second Ctrl+C, left half a batch in the pipe: then
            # the process is stopped at once, and what it was writing is rolled back.)
            if self._failure is None and self._proc.poll() is None and not self._sending:
                self.drain()
                _send(self._to, ("close", None, None))
                reply = _recv(self._from)
                if reply[0] == "closed":
                    self.writer_stats = reply[2]
        except (WriteBehindStopped, EOFError, BrokenPipeError, OSError):
            pass
        finally:
            self.kill()

    def kill(self) -> None:
        """Stop the process at once (a transaction it was writing is rolled back by SQLite)."""
        for stream in (self._to, self._from):
            with contextlib.suppress(OSError):
                stream.close()
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()

    def _raise_if_failed(self) -> None:
        if self._failure is not None:
            raise self._failure

    def _answer(self) -> None:
        t = time.perf_counter()
        try:
            reply = _recv(self._from)
        except (EOFError, OSError):
            self._died()
            return
        finally:
            self.waited += time.perf_counter() - t
        kind, label, detail = reply
        if kind == "ok":
            if self._pending:
                self._pending.popleft()
            self.committed += 1
        elif kind == "ready":
            return
        else:
            self._failure = WriteBehindStopped(detail, label, kind)

    def _died(self) -> None:
        if self._failure is None:
            code = self._proc.poll()
            self._failure = WriteBehindStopped(
                f"the writer process stopped unexpectedly (exit status {code}); nothing after "
                "the last committed tick was written",
                self._pending[0] if self._pending else None,
            )


# --------------------------------------------------------------------- the writer process
def _serve(path: str, cache_mib: int, wal_pages: int, background: bool, timeout_ms: int) -> None:
    from charge_tui.store import sqliteconn
    from charge_tui.store.checkpoints import BackgroundCheckpointer
    from charge_tui.store.helperproc import lower_priority

    lower_priority()

    out = sys.stdout.buffer
    inp = sys.stdin.buffer
    try:
        conn = sqlite3.connect(path, timeout=timeout_ms / 1000, isolation_level=None)
        cur = conn.cursor()
        background = background and wal_pages > 0
        # As the store's own connections are set up; with the checkpoints in a thread, SQLite's
        # own are off.
        sqliteconn.configure(cur, timeout_ms, cache_mib, 0 if background else (wal_pages or None))
        # data_version as of now: any other connection's commit from here on changes it.
        cur.execute("BEGIN")
        version = cur.execute("PRAGMA data_version").fetchone()[0]
        cur.execute("COMMIT")
    except sqlite3.Error as exc:
        _send(out, ("error", None, f"the writer process cannot open {path}: {exc}"))
        return
    checkpointer = BackgroundCheckpointer(path, wal_pages, timeout_ms) if background else None
    _send(out, ("ready", None, None))
    stats = {"write_seconds": 0.0, "commit_seconds": 0.0, "batches": 0}
    failed = False
    while True:
        try:
            kind, label, statements = _recv(inp)
        except EOFError:
            break
        if kind == "close":
            if checkpointer is not None:
                checkpointer.close()
                stats["checkpoint_rounds"] = checkpointer.rounds
            _send(out, ("closed", None, stats))
            break
        if failed:
            continue
        t0 = time.perf_counter()
        reply = _write(cur, statements, version)
        t1 = time.perf_counter()
        if reply is None:
            try:
                cur.execute("COMMIT")
            except sqlite3.Error as exc:
                reply = ("error", f"cannot commit: {exc}")
                _rollback(cur)
        t2 = time.perf_counter()
        stats["write_seconds"] += t1 - t0
        stats["commit_seconds"] += t2 - t1
        if reply is None:
            stats["batches"] += 1
            if checkpointer is not None:
                checkpointer.committed(conn)
            _send(out, ("ok", label, None))
        else:
            failed = True
            _send(out, (reply[0], label, f"{reply[1]} ({path})"))
    conn.close()


def _write(cur: sqlite3.Cursor, statements: list[Statement], version: int) -> tuple | None:
    """Run one batch inside ``BEGIN IMMEDIATE``; None if it may commit, else ``(kind, message)``
    (rolled back)."""
    try:
        cur.execute("BEGIN IMMEDIATE")
        if cur.execute("PRAGMA data_version").fetchone()[0] != version:
            _rollback(cur)
            return (
                "changed",
                "another connection wrote to the store, whose state the caller keeps in memory: "
                "nothing from this batch on was written",
            )
        for sql, rows, expected in statements:
            if len(rows) == 1:
                cur.execute(sql, rows[0])
            else:
                cur.executemany(sql, rows)
            if expected is not None and cur.rowcount != expected:
                _rollback(cur)
                return (
                    "conflict",
                    f"a row changed under the run ({cur.rowcount} of {expected} rows matched "
                    f"{sql.split(' WHERE ')[0][:60]}…): nothing from this batch on was written",
                )
    except sqlite3.Error as exc:
        _rollback(cur)
        return ("error", f"cannot write: {exc}")
    return None


def _rollback(cur: sqlite3.Cursor) -> None:
    with contextlib.suppress(sqlite3.Error):
        cur.execute("ROLLBACK")


def main(argv: list[str]) -> int:
    """The writer process. Whatever stops it, it says so to its caller (which reports it in one
    line) rather than printing a traceback on the terminal they share."""
    try:
        _serve(argv[0], int(argv[1]), int(argv[2]), argv[3] == "1", int(argv[4]))
    except (BrokenPipeError, EOFError, KeyboardInterrupt):
        return 1  # the caller has gone
    except Exception as exc:  # noqa: BLE001 - reported, not hidden
        with contextlib.suppress(OSError, ValueError):
            _send(sys.stdout.buffer, ("error", None, f"the writer process failed: {exc!r}"))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
