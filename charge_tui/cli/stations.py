"""``charge-tui stations seed|list|fault|restore``"""

from __future__ import annotations

import argparse

from charge_tui.cli.common import open_service
from charge_tui.cli.output import print_json
from charge_tui.domain.api import list_object, reservation_to_api, station_to_api
from charge_tui.domain.errors import PARAMETER_INVALID, ChargeError
from charge_tui.engine.network import (
    DEFAULT_CENTER,
    DEFAULT_COUNT,
    DEFAULT_RADIUS_KM,
    generate_network,
)

URL = "/v1/stations"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("stations", help="seed and list the station network (JSON)")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    s = sub.add_parser("seed", help="add a generated, realistic station network")
    s.add_argument("--count", type=int, default=DEFAULT_COUNT, help="stations (1-10000)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument(
        "--center", default=f"{DEFAULT_CENTER[0]},{DEFAULT_CENTER[1]}", metavar="LAT,LON"
    )
    s.add_argument("--radius-km", type=float, default=DEFAULT_RADIUS_KM)
    s.set_defaults(handler=_seed)
    ls = sub.add_parser("list", help="list stations with their EVSEs")
    ls.set_defaults(handler=_list)
    for name, help_text in (
        ("fault", "take an EVSE out of order: its confirmed reservations move or fail"),
        ("restore", "put an EVSE back in service"),
    ):
        f = sub.add_parser(name, help=help_text)
        f.add_argument("evse")
        f.set_defaults(handler=_fault if name == "fault" else _restore)


def parse_center(text: str) -> tuple[float, float]:
    try:
        lat_s, lon_s = text.split(",")
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        raise ChargeError(
            PARAMETER_INVALID, f"--center must be LAT,LON, got {text!r}.", "center"
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ChargeError(PARAMETER_INVALID, "--center is not on Earth.", "center")
    return lat, lon


def _seed(args: argparse.Namespace) -> int:
    if not 1 <= args.count <= 10_000:
        raise ChargeError(PARAMETER_INVALID, "--count must be from 1 to 10000.", "count")
    if not 0.1 <= args.radius_km <= 500:
        raise ChargeError(PARAMETER_INVALID, "--radius-km must be from 0.1 to 500.", "radius_km")
    center = parse_center(args.center)
    svc = open_service(args)
    added = svc.add_stations(generate_network(args.count, args.seed, center, args.radius_km))
    print_json(list_object([station_to_api(s) for s in added], False, URL))
    return 0


def _list(args: argparse.Namespace) -> int:
    svc = open_service(args)
    print_json(list_object([station_to_api(s) for s in svc.stations()], False, URL))
    return 0


def _fault(args: argparse.Namespace) -> int:
    svc = open_service(args)
    touched = svc.fault_evse(args.evse, actor="dispatcher")
    print_json(list_object([reservation_to_api(r) for r in touched], False, "/v1/reservations"))
    return 0


def _restore(args: argparse.Namespace) -> int:
    svc = open_service(args)
    svc.restore_evse(args.evse)
    for s in svc.stations():
        for e in s.evses:
            if e.id == args.evse:
                print_json(station_to_api(s))
    return 0
