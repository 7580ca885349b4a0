"""``charge-tui stations seed|list|fault|restore``"""

from __future__ import annotations

import argparse

from charge_tui.cli.args import float_in, int_in, seed_arg
from charge_tui.cli.common import open_service
from charge_tui.cli.output import print_json
from charge_tui.domain.api import list_object, reservation_to_api, station_to_api
from charge_tui.domain.text import printable
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
    s.add_argument(
        "--count", type=int_in(1, 10_000), default=DEFAULT_COUNT, help="stations (1-10000)"
    )
    s.add_argument("--seed", type=seed_arg, default=0)
    s.add_argument(
        "--center",
        type=center_arg,
        default=f"{DEFAULT_CENTER[0]},{DEFAULT_CENTER[1]}",
        metavar="LAT,LON",
    )
    s.add_argument("--radius-km", type=float_in(0.1, 500), default=DEFAULT_RADIUS_KM)
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


def center_arg(text: str) -> tuple[float, float]:
    """``LAT,LON`` of a point on Earth."""
    parts = text.split(",")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"must be LAT,LON, got {printable(text[:40])!r}")
    lat = float_in(-90, 90)(parts[0])
    lon = float_in(-180, 180)(parts[1])
    return lat, lon


def _seed(args: argparse.Namespace) -> int:
    center = args.center
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
