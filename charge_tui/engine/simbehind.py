"""A simulator run written behind: the store's state the run reads is loaded into memory once,
and a writer process commits each tick while the next one is played
(:mod:`charge_tui.store.writebehind`); the requests are made in a process of their own."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from charge_tui.engine.requests import RequestFeed, RequestMaker
from charge_tui.engine.simconfig import format_time
from charge_tui.store.writebehind import WriteBehind, WriteBehindStopped


@contextlib.contextmanager
def writing_behind(self: Any) -> Iterator[None]:
    """``self``: the :class:`~charge_tui.engine.simulator.Simulator` (this is its method, kept
    apart). With its ``write_behind`` on a SQLite file: start the writer process, load what the
    run reads into memory (the network, every reservation that can still change, every held
    slot), play, then wait for the writer to commit everything (or raise what stopped it)."""
    service, db = self.service, self.service.db
    if not self.write_behind or db.sqlite_path is None or service.write_behind is not None:
        yield
        return
    writer = WriteBehind(db.sqlite_path, **db.writer_settings)  # type: ignore[arg-type]
    cache = service.reservation_cache
    assert cache is not None
    try:
        # After the writer has read the store's data_version: a write by anyone else from
        # here on stops it.
        with service.transaction() as uow:
            self.engine.network(uow)
            cache.load_all(uow.conn)
            self.engine.held_cache.load_all(uow.conn, self.evse_ids, uow.now)
        service.write_behind = self._writer = writer
        maker = self.requests
        if maker is not None and maker.last_tick is None and not self._prepared:
            # The requests too are made in a process of their own, the ticks in order (only
            # from the start of the run: the maker here has made none yet).
            self._feed = RequestFeed(
                maker.spec, self._next_tick, self.config.tick_seconds, self.end
            )
        try:
            yield
            writer.drain()
        except WriteBehindStopped as exc:
            at = f" at {format_time(exc.label)} (simulated)" if exc.label else ""
            raise WriteBehindStopped(
                f"the simulation stopped{at}: {exc}; every tick before it is in the store, whole",
                exc.label,
                exc.reason,
            ) from None
        finally:
            service.write_behind = self._writer = None
            if self._feed is not None:
                self._feed.close()
                self._feed = None
                assert self.requests is not None
                # Ours made nothing meanwhile: it catches up if the run goes on.
                self.requests = RequestMaker(self.requests.spec)
                self.workload = self.requests.workload
            # The store is the truth again: what was kept for the detached run is dropped.
            cache.clear()
            self.engine.invalidate_network()
    finally:
        writer.close()
