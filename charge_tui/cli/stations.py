"""``charge-tui stations seed|list|fault|restore``: the station network on the command line."""

from __future__ import annotations

import argparse
import sys

from charge_tui.cli.args import float_in, int_in, seed_arg
from charge_tui.cli.commands import summary
from charge_tui.cli.common import open_service
from charge_tui.cli.helptext import add_command, group
from charge_tui.cli.output import print_json
from charge_tui.domain.text import printable
from charge_tui.engine.network import DEFAULT_CENTER, DEFAULT_COUNT, DEFAULT_RADIUS_KM

URL = "/v1/stations"


#: An EVSE id for the examples: the first one `stations list --format evse-ids` prints.
EVSE = '"$(charge-tui stations list --format evse-ids | head -n 1)"'


def register(subparsers: argparse._SubParsersAction) -> None:
    sub = group(
        subparsers,
        "stations",
        summary("stations"),
        examples=["charge-tui stations list --format ids", "charge-tui stations seed --help"],
    )
    s = add_command(
        sub,
        "seed",
        "add a generated, realistic station network",
        description="Stations spread around a city centre, denser in the middle, each with a "
        "few EVSEs of realistic connector types, power and pricing. The same --seed makes the "
        "same network; run it again with another --seed to add more.",
        examples=[
            "charge-tui stations seed --count 20 --seed 1",
            "charge-tui stations seed --count 5 --center 52.52,13.40 --radius-km 8",
        ],
    )
    s.add_argument(
        "--count", type=int_in(1, 10_000), default=DEFAULT_COUNT, help="stations (1-10000)"
    )
    s.add_argument("--seed", type=seed_arg, default=0, help="random seed (default 0)")
    s.add_argument(
        "--center",
        type=center_arg,
        default=f"{DEFAULT_CENTER[0]},{DEFAULT_CENTER[1]}",
        metavar="LAT,LON",
        help=f"city centre (default {DEFAULT_CENTER[0]},{DEFAULT_CENTER[1]})",
    )
    s.add_argument(
        "--radius-km",
        type=float_in(0.1, 500),
        default=DEFAULT_RADIUS_KM,
        metavar="KM",
        help=f"radius of the city, 0.1-500 (default {DEFAULT_RADIUS_KM:g})",
    )
    s.set_defaults(handler=_seed)
    ls = add_command(
        sub,
        "list",
        "list stations with their EVSEs",
        examples=["charge-tui stations list", "charge-tui stations list --format evse-ids"],
    )
    ls.add_argument(
        "--format",
        choices=["json", "ids", "evse-ids"],
        default="json",
        help="json: a list object (default); ids: station ids; evse-ids: EVSE ids, one per line",
    )
    ls.set_defaults(handler=_list)
    for name, help_text, description in (
        (
            "fault",
            "take an EVSE out of order: its confirmed reservations move or fail",
            "Each confirmed reservation on the EVSE that has not ended moves to another free "
            "slot it accepts, or fails (other). Prints the reservations it touched.",
        ),
        ("restore", "put an out-of-order EVSE back in service", "Prints its station."),
    ):
        f = add_command(
            sub,
            name,
            help_text,
            description=description,
            examples=[f"charge-tui stations {name} {EVSE}"],
        )
        f.add_argument("evse", help="the EVSE's id (evse_…)")
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
    from charge_tui.domain.api import list_object, station_to_api
    from charge_tui.domain.errors import PARAMETER_INVALID, ChargeError
    from charge_tui.engine.network import generate_network

    svc = open_service(args)
    network = generate_network(args.count, args.seed, args.center, args.radius_km)
    stored = svc.stations()
    known = {s.id for s in stored} | {e.id for s in stored for e in s.evses}
    ours = [s.id for s in network] + [e.id for s in network for e in s.evses]
    if any(i in known for i in ours) and not all(i in known for i in ours):
        # The same network again adds nothing; another one sharing ids with it cannot be added.
        raise ChargeError(
            PARAMETER_INVALID,
            f"Part of the network of seed {args.seed} is already in the store (seeded with "
            "another --count or --center); seed another one with another --seed.",
            "seed",
        )
    added = svc.add_stations(network)
    print_json(list_object([station_to_api(s) for s in added], False, URL))
    return 0


def _list(args: argparse.Namespace) -> int:
    from charge_tui.domain.api import list_object, station_to_api

    stations = open_service(args).stations()
    if args.format == "json":
        print_json(list_object([station_to_api(s) for s in stations], False, URL))
        return 0
    ids = (
        [s.id for s in stations]
        if args.format == "ids"
        else [e.id for s in stations for e in s.evses]
    )
    sys.stdout.write("".join(f"{i}\n" for i in ids))
    sys.stdout.flush()
    return 0


def _fault(args: argparse.Namespace) -> int:
    from charge_tui.domain.api import list_object, reservation_to_api

    svc = open_service(args)
    touched = svc.fault_evse(args.evse, actor="dispatcher")
    print_json(list_object([reservation_to_api(r) for r in touched], False, "/v1/reservations"))
    return 0


def _restore(args: argparse.Namespace) -> int:
    from charge_tui.domain.api import station_to_api

    svc = open_service(args)
    svc.restore_evse(args.evse)
    for s in svc.stations():
        for e in s.evses:
            if e.id == args.evse:
                print_json(station_to_api(s))
    return 0
