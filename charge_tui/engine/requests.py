"""The simulator's requests: drawn from the workload and made into pending reservations, ahead.

:class:`RequestMaker` makes the requests of one tick (``make(t)``): the workload's draws for the
tick (:mod:`charge_tui.engine.workload`), each made into its pending reservation as a transaction
at ``t`` would (:func:`charge_tui.service.uow.prepare_create`: validated, its ids drawn), or the
error it gets. It reads nothing from the store, and its ids come from a stream of their own
(``sim:<seed>:request-ids``, with the store's history when it has one: ``RequestSpec.history``),
so the requests of a run are the same wherever they are made:

- in the simulator's process (a thread beside each tick's commit, :class:`Simulator`);
- in a process of their own (:class:`RequestFeed`, for a run whose writes go to a writer process:
  its main thread is then the busiest, and the requests are about a fifth of its Python). The
  feed's process makes the ticks in order, a few ahead of the one being played (as many as its
  1 MiB pipe holds), and sends each reservation as a flat tuple of plain values
  (:func:`flatten`), which the simulator's side turns back into the same object
  (:func:`unflatten`) in a fraction of what unpickling the object would cost.
"""

from __future__ import annotations

import contextlib
import pickle
import random
import sys
from dataclasses import dataclass
from typing import Any, BinaryIO

from charge_tui.domain.errors import ChargeError, StoreUnavailable
from charge_tui.domain.ids import IdFactory
from charge_tui.domain.model import (
    _RESERVATION_FIELDS,
    CancellationPolicy,
    Reservation,
    ServiceArea,
    Station,
    _reservation_values,
)
from charge_tui.engine.workload import Fate, Workload, WorkloadParams
from charge_tui.service.uow import Prepared, ServiceConfig, prepare_create
from charge_tui.store.helperproc import HELPER_NICE, start_python, widen_pipe
from charge_tui.store.rowcodec import _FAILURE, _STATUS, _connectors, connectors_text

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
_AREA = ("latitude", "longitude", "radius_meters")
_POLICY = (
    "free_cancellation_until",
    "late_cancellation_fee",
    "no_show_fee",
    "grace_period_seconds",
)
_I_STATUS = _RESERVATION_FIELDS.index("status")
_I_TYPES = _RESERVATION_FIELDS.index("connector_types")
_I_AREA = _RESERVATION_FIELDS.index("service_area")
_I_POLICY = _RESERVATION_FIELDS.index("cancellation_policy")
_I_FAILURE = _RESERVATION_FIELDS.index("failure_reason")


def flatten(r: Reservation) -> tuple[Any, ...]:
    """``r``'s fields in order, with plain values for the enums and the nested objects (the
    connector types as the store writes them; :func:`unflatten` decodes them as a row's are)."""
    v = list(_reservation_values(r))
    v[_I_STATUS] = r.status.value
    v[_I_TYPES] = connectors_text(r.connector_types)
    a, p = r.service_area, r.cancellation_policy
    v[_I_AREA] = (a.latitude, a.longitude, a.radius_meters)
    v[_I_POLICY] = (
        p.free_cancellation_until,
        p.late_cancellation_fee,
        p.no_show_fee,
        p.grace_period_seconds,
    )
    v[_I_FAILURE] = r.failure_reason.value if r.failure_reason is not None else None
    return tuple(v)


def _setter_code(cls: type, fields: tuple[str, ...], name: str) -> Any:
    """``name(values)``: a new ``cls`` (a frozen dataclass with slots) with ``fields`` set from
    ``values`` through the slots' own descriptors, one statement per field: no ``__init__``
    (which only assigns them), no loop. In a 24 h benchmark run, decoding the 100,000 requests
    took 0.42–0.48 s this way against 0.92 s with ``object.__setattr__`` in a loop."""
    env: dict[str, Any] = {"cls": cls, "new": object.__new__}
    body = []
    for i, f in enumerate(fields):
        env[f"set_{f}"] = getattr(cls, f).__set__
        body.append(f"    set_{f}(o, v[{i}])")
    exec(f"def {name}(v):\n    o = new(cls)\n" + "\n".join(body) + "\n    return o", env)  # noqa: S102
    return env[name]


_reservation = _setter_code(Reservation, _RESERVATION_FIELDS, "reservation")
_area = _setter_code(ServiceArea, _AREA, "service_area")
_policy = _setter_code(CancellationPolicy, _POLICY, "cancellation_policy")


def unflatten(v: tuple[Any, ...]) -> Reservation:
    """The reservation :func:`flatten` was given (equal to it)."""
    vals = list(v)
    vals[_I_STATUS] = _STATUS[vals[_I_STATUS]]
    vals[_I_TYPES] = _connectors(vals[_I_TYPES])
    vals[_I_AREA] = _area(vals[_I_AREA])
    vals[_I_POLICY] = _policy(vals[_I_POLICY])
    if vals[_I_FAILURE] is not None:
        vals[_I_FAILURE] = _FAILURE[vals[_I_FAILURE]]
    return _reservation(vals)


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
