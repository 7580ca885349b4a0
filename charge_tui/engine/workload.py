"""The simulated world around the store (SPEC §6): who asks for what, when, and what they do next.

- Requests arrive as a non-homogeneous Poisson process: ``rate`` per hour on average, shaped by a
  daily profile in the city's local time (quiet at night, peaks in the morning and the evening),
  drawn exactly by thinning.
- Each request comes from a driver of a finite pool; a driver has one vehicle whose connectors
  follow the network's own mix (a North-American network gives J1772/NACS/CCS1/CHAdeMO cars, a
  European one Type 2/CCS2, a Chinese one GB/T), and one payment method (mostly test cards that
  work, a small share ``pm_card_declined`` / ``pm_card_insufficient_funds``).
- A request is a DC fast session (lognormal, median ``dc_median_minutes``) or an AC session
  (lognormal, median ``ac_median_hours``); lead time from minutes to days (a mixture of three
  lognormals); window slack uniform in ``[0, max_slack_minutes]``, split at random before and after
  the preferred window; a service area of 1-8 km around a station the vehicle can use (85 %) or
  anywhere in the city.
- Its fate is drawn when it is made: whether and when the driver cancels, whether they will not
  show up, how early or late they arrive for the session.

Everything is drawn from :class:`random.Random` streams derived from the seed, so a seed gives the
same world. Times are integer UNIX seconds.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

from charge_tui.domain.enums import ConnectorType, Status
from charge_tui.domain.geo import EARTH_RADIUS_M
from charge_tui.domain.model import Reservation, Station
from charge_tui.domain.validation import MAX_DURATION, MAX_LEAD, MIN_DURATION

#: Relative request rate per local hour of the day (normalised to a mean of 1 below).
DAILY_PROFILE_RAW = (
    0.25, 0.15, 0.10, 0.10, 0.15, 0.35, 0.70, 1.20, 1.50, 1.40, 1.20, 1.15,
    1.20, 1.15, 1.10, 1.20, 1.40, 1.70, 1.80, 1.60, 1.30, 1.00, 0.70, 0.45,
)  # fmt: skip
_MEAN = sum(DAILY_PROFILE_RAW) / 24
DAILY_PROFILE = tuple(x / _MEAN for x in DAILY_PROFILE_RAW)
_PROFILE_MAX = max(DAILY_PROFILE)

GRID = 5 * 60  # requested times are on a 5-minute grid, as a booking app offers them
GOOD_CARDS = (
    ("pm_card_visa", 0.45),
    ("pm_card_mastercard", 0.3),
    ("pm_card_amex", 0.1),
    ("pm_card_visa_debit", 0.15),
)
RADII = ((1000, 0.10), (2000, 0.25), (3000, 0.30), (5000, 0.25), (8000, 0.10))


@dataclass(frozen=True)
class WorkloadParams:
    """The workload part of the simulator's configuration (see ``SimConfig``)."""

    rate: float = 90.0
    dc_share: float = 0.6
    dc_median_minutes: float = 30.0
    ac_median_hours: float = 3.0
    max_slack_minutes: float = 120.0
    lead_mix: tuple[float, float, float] = (0.40, 0.45, 0.15)
    lead_minutes_median: float = 45.0
    lead_hours_median: float = 6.0
    lead_days_median: float = 3.0
    cancel_rate: float = 0.12
    no_show_rate: float = 0.07
    declined_card_share: float = 0.006
    drivers: int = 0  # 0: sized from the expected number of requests


@dataclass(frozen=True, slots=True)
class Driver:
    id: str
    vehicle: str
    ac_types: tuple[ConnectorType, ...]
    dc_types: tuple[ConnectorType, ...]
    payment_method: str


@dataclass(frozen=True, slots=True)
class Fate:
    """What the driver will do: cancel at ``cancel_at`` (None: never), not show up, or arrive
    ``arrival_offset`` seconds after the scheduled start (negative: early)."""

    cancel_at: int | None
    no_show: bool
    arrival_offset: int


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


def _round_up(t: int, grid: int = GRID) -> int:
    return -(-t // grid) * grid


def _offset(lat: float, lon: float, dist_m: float, bearing: float) -> tuple[float, float]:
    dlat = (dist_m * math.cos(bearing)) / EARTH_RADIUS_M
    dlon = (dist_m * math.sin(bearing)) / (EARTH_RADIUS_M * math.cos(math.radians(lat)))
    return round(lat + math.degrees(dlat), 6), round(lon + math.degrees(dlon), 6)


def _weighted(rng: random.Random, items):
    return rng.choices([i for i, _w in items], weights=[w for _i, w in items], k=1)[0]


class _Choice:
    """``_weighted(rng, items)`` for fixed ``items``, with the cumulative weights computed once
    (the same draw as :meth:`random.Random.choices`: one ``random()``, the same bisection)."""

    __slots__ = ("population", "cum", "total", "hi")

    def __init__(self, items) -> None:
        self.population = [i for i, _w in items]
        self.cum = list(itertools.accumulate(w for _i, w in items))
        self.total = self.cum[-1] + 0.0
        self.hi = len(self.population) - 1

    def draw(self, rng: random.Random):
        return self.population[bisect.bisect(self.cum, rng.random() * self.total, 0, self.hi)]


_RADII = _Choice(RADII)


class Workload:
    def __init__(
        self,
        params: WorkloadParams,
        stations: list[Station],
        *,
        seed: int,
        start: int,
        hours: float,
        center: tuple[float, float],
        radius_km: float,
    ) -> None:
        self.p = params
        self.seed = seed
        self.stations = sorted(stations, key=lambda s: s.id)
        self.center = center
        self.radius_m = radius_km * 1000
        # Local time of the city, from its longitude (solar time is close enough for a profile).
        self.tz_offset = round(center[1] / 15) * 3600
        self._arrivals = random.Random(f"sim:{seed}:arrivals")
        self._requests = random.Random(f"sim:{seed}:requests")
        self._fates = random.Random(f"sim:{seed}:fates")
        self._next_arrival = float(start)
        expected = max(1.0, params.rate * hours)
        self.n_drivers = params.drivers or max(50, int(expected / 3))
        self._drivers: dict[int, Driver] = {}
        self._by_types: dict[tuple[ConnectorType, ...], list[Station]] = {}
        prevalence: Counter[ConnectorType] = Counter()
        for s in self.stations:
            for e in s.evses:
                prevalence.update(e.connector_types)
        self.ac_mix = sorted(
            ((c, n) for c, n in prevalence.items() if not c.is_dc), key=lambda x: x[0].value
        )
        self.dc_mix = sorted(
            ((c, n) for c, n in prevalence.items() if c.is_dc), key=lambda x: x[0].value
        )

    # ----------------------------------------------------------------- arrivals
    def rate_at(self, t: float) -> float:
        """Requests per second at instant ``t``."""
        hour = int((t + self.tz_offset) // 3600) % 24
        return self.p.rate / 3600 * DAILY_PROFILE[hour]

    def arrivals(self, until: int) -> int:
        """How many requests arrive after the previous call and up to ``until`` (thinning)."""
        lam_max = self.p.rate / 3600 * _PROFILE_MAX
        if lam_max <= 0:
            return 0
        n = 0
        rng = self._arrivals
        while True:
            t = self._next_arrival + rng.expovariate(lam_max)
            if t > until:
                # Memoryless: restarting the clock at ``until`` keeps the process exact.
                self._next_arrival = float(until)
                return n
            self._next_arrival = t
            if rng.random() * lam_max < self.rate_at(t):
                n += 1

    # ----------------------------------------------------------------- drivers
    def driver(self, index: int) -> Driver:
        d = self._drivers.get(index)
        if d is None:
            d = self._drivers[index] = self._make_driver(index)
        return d

    def _make_driver(self, index: int) -> Driver:
        rng = random.Random(f"sim:{self.seed}:driver:{index}")
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        body = "".join(rng.choices(alphabet, k=14))
        vbody = "".join(rng.choices(alphabet, k=14))
        ac = self._pick_types(rng, self.ac_mix, second=0.2)
        dc = self._pick_types(rng, self.dc_mix, second=0.25)
        u = rng.random()
        share = self.p.declined_card_share
        if u < share * 0.7:
            pm = "pm_card_declined"
        elif u < share:
            pm = "pm_card_insufficient_funds"
        else:
            pm = _weighted(rng, GOOD_CARDS)
        return Driver(f"drv_{body}", f"veh_{vbody}", ac, dc, pm)

    @staticmethod
    def _pick_types(rng: random.Random, mix, second: float) -> tuple[ConnectorType, ...]:
        if not mix:
            return ()
        first = _weighted(rng, mix)
        rest = [(c, n) for c, n in mix if c is not first]
        if rest and rng.random() < second:
            return tuple(sorted((first, _weighted(rng, rest)), key=lambda c: c.value))
        return (first,)

    # ----------------------------------------------------------------- requests
    def request(self, now: int) -> tuple[dict[str, Any], Fate]:
        """Create parameters of one request made at ``now``, and its fate."""
        rng = self._requests
        driver = self.driver(rng.randrange(self.n_drivers))
        dc = bool(driver.dc_types) and (not driver.ac_types or rng.random() < self.p.dc_share)
        if dc:
            types = driver.dc_types
            duration = _lognormal(rng, self.p.dc_median_minutes * 60, 0.4)
        else:
            types = driver.ac_types
            duration = _lognormal(rng, self.p.ac_median_hours * 3600, 0.5)
        duration = int(min(MAX_DURATION, max(MIN_DURATION, round(duration / GRID) * GRID)))
        lead = self._lead(rng)
        start = _round_up(now + lead)
        start = min(start, (now + MAX_LEAD - 3600) // GRID * GRID)
        end = start + duration
        slack = rng.uniform(0, self.p.max_slack_minutes * 60)
        before = int(slack * rng.random()) // GRID * GRID
        after = int(slack) // GRID * GRID - before
        after = max(0, after)
        lat, lon, radius = self._area(rng, types)
        params: dict[str, Any] = {
            "connector_types": [c.value for c in types],
            "driver": driver.id,
            "vehicle": driver.vehicle,
            "preferred_start_time": start,
            "preferred_end_time": end,
            "earliest_start_time": start - before,
            "latest_end_time": end + after,
            "service_area": {"latitude": lat, "longitude": lon, "radius_meters": radius},
            "payment_method": driver.payment_method,
            "metadata": {"source": "simulator", "session": "dc" if dc else "ac"},
        }
        return params, self._fate(now, start)

    def _lead(self, rng: random.Random) -> int:
        short, medium, _long = self.p.lead_mix
        u = rng.random() * sum(self.p.lead_mix)
        if u < short:
            lead = _lognormal(rng, self.p.lead_minutes_median * 60, 0.6)
        elif u < short + medium:
            lead = _lognormal(rng, self.p.lead_hours_median * 3600, 0.6)
        else:
            lead = _lognormal(rng, self.p.lead_days_median * 86400, 0.5)
        return int(min(MAX_LEAD - 2 * 3600, max(10 * 60, lead)))

    def _compatible(self, types: tuple[ConnectorType, ...]) -> list[Station]:
        found = self._by_types.get(types)
        if found is None:
            wanted = set(types)
            found = self._by_types[types] = [
                s for s in self.stations if any(wanted & set(e.connector_types) for e in s.evses)
            ]
        return found

    def _area(
        self, rng: random.Random, types: tuple[ConnectorType, ...]
    ) -> tuple[float, float, int]:
        # Most drivers search around a place with chargers they can use (the app shows them);
        # some anywhere in the city.
        near = self._compatible(types)
        if near and rng.random() < 0.85:
            s = near[rng.randrange(len(near))]
            lat, lon = _offset(
                s.latitude, s.longitude, abs(rng.gauss(0, 600)), rng.uniform(0, 2 * math.pi)
            )
        else:
            lat, lon = _offset(
                self.center[0],
                self.center[1],
                self.radius_m * math.sqrt(rng.random()),
                rng.uniform(0, 2 * math.pi),
            )
        return lat, lon, _RADII.draw(rng)

    def _fate(self, now: int, start: int) -> Fate:
        rng = self._fates
        cancel_at = None
        if rng.random() < self.p.cancel_rate:
            cancel_at = now + max(1, int((start - now) * rng.uniform(0.05, 0.98)))
        no_show = rng.random() < self.p.no_show_rate
        offset = int(rng.triangular(-5 * 60, 15 * 60, 60))
        return Fate(cancel_at, no_show, offset)


def driver_can_cancel(r: Reservation, now: int) -> bool:
    """Whether a driver's planned cancellation still applies: before the window closes while
    pending, before the slot starts once confirmed."""
    if r.status is Status.PENDING:
        return now < r.latest_end_time
    if r.status is Status.CONFIRMED:
        return r.scheduled_start_time is not None and now < r.scheduled_start_time
    return False
