"""Copying a bulk writer's WAL back into the database file in a thread of its own.

SQLite's automatic checkpoint runs inside the commit that takes the WAL past its limit: that
commit copies every page changed since the last checkpoint back into the database file and syncs
it while the writer waits (in a large simulation ~0.2 s, against ~20 ms for an ordinary commit,
a third of all the time spent committing). :class:`BackgroundCheckpointer` takes that work off the
writer's path:

- The writer's connections run with ``wal_autocheckpoint = 0``, and ``Database.write`` calls
  :meth:`~BackgroundCheckpointer.committed` after each of its commits.
- Once about ``pages`` WAL frames have been written since the WAL last started over, a thread
  with a connection of its own runs ``PRAGMA wal_checkpoint(PASSIVE)``: it copies the frames
  committed so far while the writer goes on (SQLite runs it without Python's interpreter lock,
  and a passive checkpoint never blocks a writer).
- After that round, the writer's next commit runs one more passive checkpoint itself, for the
  frames written meanwhile (a few transactions' worth, tens of milliseconds). With every frame
  copied and no reader inside the WAL, the next write transaction starts the WAL over from its
  beginning: the file stays about ``pages`` frames long, as with the automatic checkpoint. Without
  that last step it would not: the writer's next transaction begins right after its commit, before
  a checkpoint running beside it can have copied that commit, so the WAL would never start over.
  (A reader holding an old snapshot, such as the console in another process, keeps frames from
  being copied in either scheme; the WAL then grows until a round after it has let go.)

Python's ``sqlite3`` does not say how long the WAL is, so after each commit the writer reads it
from the WAL-index header at the start of the ``-shm`` file (``mxFrame``, the last valid frame:
a 4-byte integer in native byte order at offset 16, in SQLite's documented wal-index format,
version 3007000). If that file cannot be read or has another version, the checkpointer stops at
once and the writer keeps SQLite's automatic checkpoint.

Durability is unchanged: a commit is in the WAL when it returns, and checkpoints only move pages.
If a checkpoint fails (a disk error), the checkpointer stops for good, keeps the error in
:attr:`~BackgroundCheckpointer.error`, and hands every writer connection it sees back to SQLite's
automatic checkpoint (which then copies what it can at the commits past the limit, as it did
before this module; SQLite does not report its errors to the committer either).

One writer thread is expected (the simulator's); :meth:`~BackgroundCheckpointer.committed` takes
a lock all the same, so that two writers sharing a ``Database`` only ever cost an extra round.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import struct
import threading
from typing import Any

#: The wal-index format this reads (``iVersion`` of the header), and where ``mxFrame`` is.
WAL_INDEX_VERSION = 3007000
_HEADER = struct.Struct("=I4xI4xI")  # iVersion, (unused), iChange, (flags, page size), mxFrame


def wal_frames(shm_fd: int) -> int | None:
    """The frames in the WAL (``mxFrame`` of the wal-index header), or None when the header is
    not one this understands."""
    data = os.pread(shm_fd, _HEADER.size, 0)
    if len(data) < _HEADER.size:
        return None
    version, _change, frames = _HEADER.unpack(data)
    return frames if version == WAL_INDEX_VERSION else None


class BackgroundCheckpointer:
    """See the module docstring. ``path``: the SQLite file; ``pages``: about how many WAL frames
    to let accumulate between rounds; ``timeout_ms``: the thread connection's busy timeout."""

    def __init__(self, path: str, pages: int, timeout_ms: int) -> None:
        self.path = path
        self.pages = max(1, int(pages))
        self._timeout = timeout_ms / 1000
        #: Rounds the thread ran, and catch-ups the writer ran after them.
        self.rounds = 0
        self.catch_ups = 0
        #: Why the checkpointer stopped (a checkpoint failed); None while it works.
        self.error: BaseException | None = None
        self._shm: int | None = None  # the -shm file, opened on the first commit
        self._asked = False  # a round was asked for and its catch-up has not run yet
        self._stopped = False
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._done = threading.Event()
        self._closing = False
        self._thread = threading.Thread(
            target=self._loop, name="charge-tui-checkpoint", daemon=True
        )
        self._thread.start()

    # ----------------------------------------------------------- the writer's side
    def committed(self, dbapi_conn: Any) -> None:
        """Called in the writer's thread right after each commit, with its ``sqlite3``
        connection (outside any transaction). Never raises: the commit has happened."""
        with self._lock:
            self._committed(dbapi_conn)

    def _committed(self, dbapi_conn: Any) -> None:
        if self._stopped:
            self._restore(dbapi_conn)
            return
        if self._asked:
            if self._done.is_set():
                self._done.clear()
                self._asked = False
                self._catch_up(dbapi_conn)
            return
        try:
            if self._shm is None:
                self._shm = os.open(f"{self.path}-shm", os.O_RDONLY)
            frames = wal_frames(self._shm)
        except OSError as exc:
            frames, self.error = None, exc
        if frames is None:
            self.error = self.error or ValueError("unknown wal-index format")
            self._stop(dbapi_conn)
        elif frames >= self.pages:
            self._asked = True
            self._wake.set()

    def _catch_up(self, dbapi_conn: Any) -> None:
        if self.error is not None:
            self._stop(dbapi_conn)
            return
        try:
            dbapi_conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as exc:
            self.error = exc
            self._stop(dbapi_conn)
            return
        self.catch_ups += 1

    def _stop(self, dbapi_conn: Any) -> None:
        self._stopped = True
        self._closing = True
        self._wake.set()
        self._restore(dbapi_conn)

    def _restore(self, dbapi_conn: Any) -> None:
        # Every commit once stopped (a pragma costs microseconds): whichever connection of the
        # pool committed gets SQLite's automatic checkpoint back.
        # (If the connection is unusable, its own next statement will say so.)
        with contextlib.suppress(sqlite3.Error):
            dbapi_conn.execute(f"PRAGMA wal_autocheckpoint = {self.pages}")

    # ----------------------------------------------------------- the thread's side
    def _loop(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._closing:
                    return
                try:
                    if conn is None:
                        conn = sqlite3.connect(
                            self.path,
                            timeout=self._timeout,
                            isolation_level=None,
                            check_same_thread=False,
                        )
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.rounds += 1
                except sqlite3.Error as exc:
                    self.error = exc
                    return
                finally:
                    self._done.set()
        finally:
            if conn is not None:
                conn.close()

    def close(self) -> None:
        """Stop the thread (after the round it may be running) and close its connection. Writer
        connections that commit afterwards get SQLite's automatic checkpoint back."""
        self._stopped = True
        self._closing = True
        self._wake.set()
        self._thread.join()
        if self._shm is not None:
            os.close(self._shm)
            self._shm = None
