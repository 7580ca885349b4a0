"""A realistic, reproducible station network scattered over a city.

Stations are placed partly around a few dense "hubs" (downtown, malls, highway exits) and partly
uniformly over the disk. Each station is of a kind with its own EVSE count, connector mix and power:
AC destination chargers, DC fast chargers, large fast-charging hubs. The connector mix follows the
region of the centre: North America (J1772, CCS1, CHAdeMO, NACS), Europe (Type 2, CCS2, CHAdeMO),
China (GB/T AC and DC); elsewhere the European mix.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from charge_tui.domain.enums import ConnectorType as C
from charge_tui.domain.geo import EARTH_RADIUS_M
from charge_tui.domain.ids import IdFactory
from charge_tui.domain.model import Evse, Station

DEFAULT_CENTER = (37.7749, -122.4194)  # San Francisco
DEFAULT_RADIUS_KM = 12.0
DEFAULT_COUNT = 40


@dataclass(frozen=True)
class _Kind:
    name: str
    weight: float
    evses: tuple[int, int]
    mixes: tuple[tuple[tuple[C, ...], float], ...]  # (connector types of one EVSE, weight)
    powers: tuple[float, ...]


REGION_KINDS: dict[str, tuple[_Kind, ...]] = {
    "na": (
        _Kind(
            "Destination",
            0.45,
            (2, 8),
            (((C.J1772,), 0.8), ((C.J1772, C.NACS), 0.2)),
            (7.2, 11.0, 19.2),
        ),
        _Kind(
            "Fast",
            0.35,
            (2, 6),
            (((C.CCS1, C.CHADEMO), 0.4), ((C.CCS1,), 0.4), ((C.CCS1, C.NACS), 0.2)),
            (50.0, 150.0, 350.0),
        ),
        _Kind(
            "Supercharge Hub",
            0.20,
            (6, 12),
            (((C.NACS,), 0.7), ((C.NACS, C.CCS1), 0.3)),
            (150.0, 250.0),
        ),
    ),
    "eu": (
        _Kind("Destination", 0.5, (2, 8), (((C.TYPE2,), 1.0),), (11.0, 22.0)),
        _Kind(
            "Fast",
            0.35,
            (2, 6),
            (((C.CCS2, C.TYPE2), 0.4), ((C.CCS2, C.CHADEMO), 0.2), ((C.CCS2,), 0.4)),
            (50.0, 150.0, 300.0),
        ),
        _Kind("Ultra Hub", 0.15, (6, 12), (((C.CCS2,), 1.0),), (150.0, 350.0)),
    ),
    "cn": (
        _Kind("AC", 0.4, (4, 10), (((C.GBT_AC,), 1.0),), (7.0,)),
        _Kind("DC", 0.6, (4, 16), (((C.GBT_DC,), 1.0),), (60.0, 120.0, 180.0)),
    ),
}

BRANDS = ("VoltPoint", "Amperly", "GridLine", "Plugwell", "Chargeway", "Ohmtown", "Kilowatt & Co")
STREETS = (
    "Market St",
    "Mission St",
    "Harbor Blvd",
    "Oak Ave",
    "Pine St",
    "Cedar Rd",
    "Station Sq",
    "Mill Ln",
    "Lake Dr",
    "Park Ave",
    "River Rd",
    "Hill St",
    "Bridge Way",
    "Union Sq",
    "King St",
    "Elm St",
    "Grove Rd",
    "Bay Rd",
    "Garden Way",
    "Central Ave",
)


def region_for(lat: float, lon: float) -> str:
    if -170 <= lon <= -50 and lat > 0:
        return "na"
    if 73 <= lon <= 135 and 18 <= lat <= 54:
        return "cn"
    return "eu"


def _offset(lat: float, lon: float, dist_m: float, bearing: float) -> tuple[float, float]:
    dlat = (dist_m * math.cos(bearing)) / EARTH_RADIUS_M
    dlon = (dist_m * math.sin(bearing)) / (EARTH_RADIUS_M * math.cos(math.radians(lat)))
    return round(lat + math.degrees(dlat), 6), round(lon + math.degrees(dlon), 6)


def _pick(rng: random.Random, items, weight=lambda x: x[1]):
    return rng.choices(items, weights=[weight(i) for i in items], k=1)[0]


def generate_network(
    count: int = DEFAULT_COUNT,
    seed: int = 0,
    center: tuple[float, float] = DEFAULT_CENTER,
    radius_km: float = DEFAULT_RADIUS_KM,
) -> list[Station]:
    """``count`` stations within ``radius_km`` of ``center``; same arguments, same network."""
    rng = random.Random(f"network:{seed}")
    ids = IdFactory(random.Random(f"network-ids:{seed}"))
    lat0, lon0 = center
    radius_m = radius_km * 1000
    kinds = REGION_KINDS[region_for(lat0, lon0)]
    hubs = [
        _offset(lat0, lon0, radius_m * 0.6 * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi))
        for _ in range(max(1, min(5, count // 8)))
    ]
    stations: list[Station] = []
    for i in range(count):
        if rng.random() < 0.6:
            hlat, hlon = rng.choice(hubs)
            lat, lon = _offset(
                hlat, hlon, abs(rng.gauss(0, radius_m * 0.12)), rng.uniform(0, 2 * math.pi)
            )
        else:
            lat, lon = _offset(
                lat0, lon0, radius_m * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
            )
        kind = _pick(rng, kinds, weight=lambda k: k.weight)
        sid = ids.new("sta")
        street = rng.choice(STREETS)
        n_evse = rng.randint(*kind.evses)
        power = rng.choice(kind.powers)
        evses = tuple(
            Evse(
                id=ids.new("evse"),
                station_id=sid,
                connector_types=_pick(rng, kind.mixes)[0],
                power_kw=power,
            )
            for _ in range(n_evse)
        )
        stations.append(
            Station(
                id=sid,
                name=f"{rng.choice(BRANDS)} {street.split()[0]} {kind.name} #{i + 1}",
                latitude=lat,
                longitude=lon,
                address=f"{rng.randint(1, 2999)} {street}",
                evses=evses,
            )
        )
    return stations
