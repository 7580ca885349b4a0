"""The simulator's requests: drawn from the workload and made into pending reservations, ahead.

:class:`RequestMaker` makes the requests of one tick (``make(t)``): the workload's draws for the
tick (:mod:`charge_tui.engine.workload`), each made into its pending reservation as a transaction
at ``t`` would (:func:`charge_tui.service.prepare.prepare_create`: validated, its ids drawn), or the
error it gets. It reads nothing from the store, and its ids come from a stream of their own
(``sim:<seed>:request-ids``, with the store's history when it has one: ``RequestSpec.history``),
so the requests of a run are the same wherever they are made:

- in the simulator's process (a thread beside each tick's commit, :class:`Simulator`);
- in a process of their own (:class:`RequestFeed`, for a run whose writes go to a writer process:
  its main thread is then the busiest, and the requests are about a fifth of its Python). The
  feed's process makes the ticks in order, a few ahead of the one being played (as many as its
  pipe holds), and sends each reservation in the codec's flat form (:func:`flatten`), which the
  simulator's side turns back into the same object (:func:`unflatten`) for less than unpickling
  the object would cost.
"""

from __future__ import annotations

import contextlib
import pickle
import random
import sys
from dataclasses import dataclass
from typing import Any, BinaryIO

from charge_tui.domain.codec import RESERVATION
from charge_tui.domain.errors import ChargeError, StoreUnavailable
from charge_tui.domain.ids import IdFactory
from charge_tui.domain.model import Station
from charge_tui.engine.workload import Fate, Workload, WorkloadParams
from charge_tui.service.prepare import Prepared, ServiceConfig, prepare_create
from charge_tui.store.helperproc import HELPER_NICE, start_python, widen_pipe

#: One request of a tick: its pending reservation and creation event id, or why it was refused;
#: and what its driver will do.
Made = tuple[Prepared | ChargeError, Fate]


@dataclass(frozen=True)
class RequestSpec:
    """Everything a :class:`RequestMaker` is made from (sent to the feed's process)."""

    params: WorkloadParams
    stations: list[Station]
    seed: int
    start: int
    hours: float
    center: tuple[float, float]
    radius_km: float
    service: ServiceConfig
    #: The store's history when the run began (``Simulator.history``): seeds the ids too.
    history: int = 0


class RequestMaker:
    def __init__(self, spec: RequestSpec) -> None:
        self.spec = spec
        self.workload = Workload(
            spec.params,
            spec.stations,
            seed=spec.seed,
            start=spec.start,
            hours=spec.hours,
            center=spec.center,
            radius_km=spec.radius_km,
        )
        after = f":after-{spec.history}" if spec.history else ""
        self.ids = IdFactory(random.Random(f"sim:{spec.seed}:request-ids{after}"))
        #: The last tick made (None: none yet).
        self.last_tick: int | None = None

    def skip_to(self, t: int, step: int) -> None:
        """Make and drop the ticks before ``t`` not made yet (the run's ticks are ``start + k *
        step``): the maker is then where it would be had it made them."""
        at = self.spec.start + step if self.last_tick is None else self.last_tick + step
        while at < t:
            self.make(at)
            at += step

    def make(self, t: int) -> list[Made]:
        """The requests arriving by ``t`` (call with increasing ``t``, once each)."""
        self.last_tick = t
        workload, ids, config = self.workload, self.ids, self.spec.service
        out: list[Made] = []
        for _ in range(workload.arrivals(t)):
            params, fate = workload.request(t)
            try:
                made: Prepared | ChargeError = prepare_create(params, t, ids, config)
            except ChargeError as exc:
                made = exc
            out.append((made, fate))
        return out


# --------------------------------------------------------------------- flat reservations
#: A reservation as a tuple of plain values (the codec's flat form: cheaper to pickle and to
#: rebuild than the object itself), and back.
flatten = RESERVATION.flat
unflatten = RESERVATION.from_flat


def _encode(batch: list[Made]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for made, fate in batch:
        f = (fate.cancel_at, fate.no_show, fate.arrival_offset)
        if isinstance(made, ChargeError):
            out.append((None, (made.code, made.message, made.param), f))
        else:
            out.append((flatten(made[0]), made[1], f))
    return out


def _decode(batch: list[tuple[Any, ...]]) -> list[Made]:
    out: list[Made] = []
    for r, extra, f in batch:
        made: Prepared | ChargeError
        made = ChargeError(*extra) if r is None else (unflatten(r), extra)
        out.append((made, Fate(*f)))
    return out


# --------------------------------------------------------------------- the feed
class RequestFeed:
    """A process that makes the requests of the ticks ``first, first + step, …`` up to ``last``,
    in order (see the module docstring); :meth:`take` gets the next tick's."""

    def __init__(self, spec: RequestSpec, first: int, step: int, last: int) -> None:
        self._next = first
        self._step = step
        self._last = last
        self._proc = start_python("charge_tui.engine.requests", nice=HELPER_NICE)
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._from: BinaryIO = self._proc.stdout  # type: ignore[assignment]
        widen_pipe(self._from.fileno())  # the process may run a few ticks ahead
        pickle.dump((spec, first, step, last), self._proc.stdin, pickle.HIGHEST_PROTOCOL)
        self._proc.stdin.close()

    def take(self, t: int) -> list[Made]:
        """The requests of tick ``t``, which must be the next one."""
        if t != self._next or t > self._last:
            raise ValueError(f"the feed is at {self._next}, not {t}")
        try:
            at, batch = pickle.load(self._from)
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            code = self._proc.poll()
            # Reported as a store that cannot be written is: one line, no traceback.
            raise StoreUnavailable(
                f"the simulator's request process stopped unexpectedly (exit status {code})"
            ) from exc
        if at != t:
            raise RuntimeError(f"the request process sent tick {at}, expected {t}")
        self._next += self._step
        return _decode(batch)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._from.close()
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()


def _serve() -> None:
    from charge_tui.store.helperproc import lower_priority

    lower_priority()
    spec, first, step, last = pickle.load(sys.stdin.buffer)
    maker = RequestMaker(spec)
    out = sys.stdout.buffer
    t = first
    while t <= last:
        pickle.dump((t, _encode(maker.make(t))), out, pickle.HIGHEST_PROTOCOL)
        out.flush()
        t += step


if __name__ == "__main__":
    try:
        _serve()
    except (BrokenPipeError, EOFError, KeyboardInterrupt):
        sys.exit(1)  # the simulator has gone, or stopped early
