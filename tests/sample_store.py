"""A reproducible example store for the screenshots and the console's snapshot tests.

Built entirely through the service and its state machine, like any store: a seeded station network,
then reservations created at chosen times on a frozen clock and moved through their transitions
(confirmed, completed, cancelled, failed, expired) at the times they would happen. The same seed
gives the same ids, the same times, the same store.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable

from charge_tui.domain.clock import FrozenClock
from charge_tui.domain.errors import ChargeError
from charge_tui.domain.ids import IdFactory
from charge_tui.engine.network import generate_network
from charge_tui.service import ReservationService
from charge_tui.store.db import Database

#: 2026-11-18 17:00:00 UTC: "now" of the sample store.
SAMPLE_NOW = 1_795_021_200
SAMPLE_SEED = 7
CENTER = (37.7749, -122.4194)

DRIVERS = (
    "drv_alice",
    "drv_bruno",
    "drv_chen",
    "drv_dana",
    "drv_emeka",
    "drv_fatima",
    "drv_gus",
    "drv_hana",
    "drv_ivan",
    "drv_jules",
)
VEHICLES = ("veh_model3", "veh_ioniq5", "veh_leaf", "veh_id4", "veh_bolt", "veh_mache")
CONNECTOR_SETS = (
    ["ccs1", "nacs"],
    ["j1772"],
    ["ccs1"],
    ["nacs"],
    ["ccs1", "chademo"],
    ["j1772", "nacs"],
)
FLEETS = ({}, {"fleet": "acme"}, {}, {"fleet": "rideshare", "shift": "night"}, {})
#: What happens to the i-th reservation (cycled).
FATES = (
    "complete",
    "confirm",
    "cancel_pending",
    "complete",
    "no_show",
    "fail_payment",
    "pending",
    "cancel_confirmed",
    "expire_pending",
    "confirm",
    "complete",
    "pending",
)


def build_sample_store(
    db: Database, *, seed: int = SAMPLE_SEED, now: int = SAMPLE_NOW, count: int = 48
) -> ReservationService:
    """Fill ``db`` (a fresh store) and return a service on it whose clock is frozen at ``now``."""
    clock = FrozenClock(now - 2 * 86400)
    svc = ReservationService(db, clock=clock, ids=IdFactory(random.Random(seed)))
    stations = svc.add_stations(generate_network(14, seed=seed, center=CENTER, radius_km=5))
    rng = random.Random(f"sample:{seed}")
    # (time, sequence, action) — run in time order, each at its own time.
    queue: list[tuple[int, int, Callable[[], None]]] = []
    seq = 0

    def at(t: int, fn: Callable[[], None]) -> None:
        nonlocal seq
        if t <= now:
            seq += 1
            heapq.heappush(queue, (t, seq, fn))

    def run_until(t: int) -> None:
        while queue and queue[0][0] <= t:
            when, _s, fn = heapq.heappop(queue)
            clock.at = when
            fn()

    span = 2 * 86400 - 3600
    for i in range(count):
        created = now - 2 * 86400 + i * span // count
        run_until(created)
        clock.at = created
        station = rng.choice(stations)
        lead = rng.choice((3600, 5400, 7200, 3 * 3600, 6 * 3600, 20 * 3600))
        start = (created + lead) // 900 * 900
        duration = rng.choice((1800, 2700, 3600, 5400, 7200))
        slack = rng.choice((0, 900, 1800))
        fate = FATES[i % len(FATES)]
        params = {
            "connector_types": CONNECTOR_SETS[i % len(CONNECTOR_SETS)],
            "driver": DRIVERS[i % len(DRIVERS)],
            "vehicle": VEHICLES[i % len(VEHICLES)],
            "preferred_start_time": start,
            "preferred_end_time": start + duration,
            "earliest_start_time": start - slack,
            "latest_end_time": start + duration + slack,
            "service_area": {
                "latitude": round(station.latitude + rng.uniform(-0.01, 0.01), 5),
                "longitude": round(station.longitude + rng.uniform(-0.01, 0.01), 5),
                "radius_meters": rng.choice((3000, 5000, 8000)),
            },
            "metadata": dict(FLEETS[i % len(FLEETS)]),
            "payment_method": "pm_card_declined" if fate == "fail_payment" else "pm_card_visa",
        }
        r = svc.create(params, actor="driver")
        _plan(svc, r.id, fate, created, at)
    run_until(now)
    clock.at = now
    return svc


def _plan(svc: ReservationService, rid: str, fate: str, created: int, at) -> None:
    r = svc.retrieve(rid)
    confirm_at = max(created + 60, r.earliest_start_time - 1800)

    def confirm_then(next_step: Callable[[], None] | None = None) -> Callable[[], None]:
        def go() -> None:
            try:
                c = svc.confirm(rid, actor="engine")
            except ChargeError:
                svc.fail(rid, "no_available_connectors", actor="engine")
                return
            if next_step is not None:
                next_step_at(c)

        def next_step_at(c) -> None:
            assert c.scheduled_start_time is not None
            if fate == "complete":
                at(c.scheduled_start_time + 120, lambda: svc.complete(rid, actor="station"))
            elif fate == "no_show":
                grace = c.cancellation_policy.grace_period_seconds
                at(c.scheduled_start_time + grace + 60, lambda: svc.expire(rid, actor="engine"))
            elif fate == "cancel_confirmed":
                at(c.scheduled_start_time - 1200, lambda: svc.cancel(rid, actor="driver"))

        return go

    if fate in ("complete", "no_show", "cancel_confirmed"):
        at(confirm_at, confirm_then(next_step=lambda: None))
    elif fate == "confirm":
        at(confirm_at, confirm_then())
    elif fate == "cancel_pending":
        at(created + 1500, lambda: svc.cancel(rid, actor="driver"))
    elif fate == "fail_payment":
        at(confirm_at, lambda: svc.fail(rid, "payment_failed", actor="engine"))
    elif fate == "expire_pending":
        at(r.latest_end_time + 60, lambda: svc.expire(rid, actor="engine"))


def busiest_station(svc, period, now: int = SAMPLE_NOW):
    """The station with the most held slots in ``period`` (a board ``Period``), and its EVSE
    holding the most slots still to come at ``now`` (then the most): where the board has
    something to show and a fault something to move."""
    from charge_tui.store import board

    with svc.reading() as conn:
        stations = board.station_page(conn, limit=1000)
        slots = board.held_slots(conn, [e.id for s in stations for e in s.evses], period)
    from charge_tui.domain.enums import Status

    by_evse: dict[str, tuple[int, int]] = {}
    for s in slots:  # confirmed slots (still to come) first, then all
        ahead, total = by_evse.get(s.evse, (0, 0))
        by_evse[s.evse] = (ahead + (s.status is Status.CONFIRMED and s.end > now), total + 1)
    evse = max(by_evse, key=lambda k: (by_evse[k], k))
    station = next(s for s in stations if any(e.id == evse for e in s.evses))
    return station, evse
