"""How a simulator run uses the interpreter: fewer garbage-collector passes and a shorter thread
switch interval for its duration (then restored), and work overlapped in a thread."""

from __future__ import annotations

import contextlib
import gc
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")

#: Allocations between two young-generation passes of Python's cyclic garbage collector while a
#: whole run plays (the default is 700). A run keeps hundreds of thousands of objects alive (the
#: schedule, the fates, each tick's reservations), and with the default every few hundred
#: allocations start a pass, some of which walk all of them: a fifth of a large run's time, to
#: collect almost nothing (a tick makes few reference cycles). See :func:`fewer_gc_passes`.
GC_YOUNG_THRESHOLD = 50_000


@contextlib.contextmanager
def fewer_gc_passes() -> Iterator[None]:
    """Raise the collector's first threshold to :data:`GC_YOUNG_THRESHOLD` for the duration (the
    other thresholds and the collector itself are left as they are), then restore it."""
    old = gc.get_threshold()
    if old[0] == 0 or old[0] >= GC_YOUNG_THRESHOLD:
        yield
        return
    gc.set_threshold(GC_YOUNG_THRESHOLD, *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


#: Python's thread switch interval while a run plays (the default is 5 ms). While a tick commits,
#: a thread makes the next tick's requests (:meth:`Simulator._prepare_next`); each time the
#: committing thread comes back from SQLite it waits for that thread to hand over the interpreter
#: lock, up to one interval.
SWITCH_INTERVAL = 0.0005


@contextlib.contextmanager
def run_settings() -> Iterator[None]:
    """What a whole run sets for its duration and then restores: :func:`fewer_gc_passes` and a
    :data:`SWITCH_INTERVAL` switch interval (if shorter than the current one)."""
    old = sys.getswitchinterval()
    with fewer_gc_passes():
        if old > SWITCH_INTERVAL:
            sys.setswitchinterval(SWITCH_INTERVAL)
        try:
            yield
        finally:
            sys.setswitchinterval(old)


def in_thread(work: Callable[[], T], name: str) -> Callable[[], T]:
    """Start ``work`` in a daemon thread; returns what joins it and gives its result (or raises
    what it raised, in the caller's thread)."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["result"] = work()
        except BaseException as exc:  # re-raised by ``wait``
            box["error"] = exc

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()

    def wait() -> T:
        thread.join()
        if "error" in box:
            raise box["error"]  # type: ignore[misc]
        return box["result"]  # type: ignore[return-value]

    return wait
