"""``charge-tui reservations create|list|retrieve|events|cancel|confirm|reassign|complete|expire|
fail|export``: the reservation API on the command line, printing its JSON.

What the handlers need (the domain's API shape, the store) is imported when they run, so that
``--help`` and parsing stay light.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from charge_tui.cli.args import UsageError, int_in, version_arg
from charge_tui.cli.commands import summary
from charge_tui.cli.common import open_service
from charge_tui.cli.helptext import add_command, group
from charge_tui.cli.output import print_json
from charge_tui.domain.enums import ConnectorType, FailureReason, Status

if TYPE_CHECKING:
    from charge_tui.domain.model import Reservation

URL = "/v1/reservations"
SORTS = ("created", "start", "updated")
#: An id for the examples: the newest reservation of a status, as `list --format ids` prints it.
PENDING = '"$(charge-tui reservations list --status pending --limit 1 --format ids)"'
#: The oldest pending reservation of the first hundred (likely past its window).
OLDEST_PENDING = (
    '"$(charge-tui reservations list --status pending --limit 100 --format ids | tail -n 1)"'
)
CONFIRMED = '"$(charge-tui reservations list --status confirmed --limit 1 --format ids)"'

TIMES = (
    "Times (preferred_start_time, preferred_end_time, earliest_start_time, latest_end_time) may "
    "be UNIX seconds, a date (2026-11-25 18:00, local time unless it names a zone) or an offset "
    "from now (+90m, +2h, +1d). The later ones may be relative to the request's own times: "
    "start is the preferred start and end the preferred end (preferred_end_time=start+45m, "
    "latest_end_time=end+30m, earliest_start_time=start-15m)."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    sub = group(
        subparsers,
        "reservations",
        summary("reservations"),
        examples=[
            "charge-tui reservations list --status pending --limit 3",
            "charge-tui reservations create --help",
        ],
    )
    _create_parser(sub)
    _list_parser(sub)
    _export_parser(sub)

    r = add_command(
        sub,
        "retrieve",
        "show one reservation",
        examples=[
            f"charge-tui reservations retrieve {CONFIRMED}",
            f"charge-tui reservations retrieve {CONFIRMED} --expand events --show-version",
        ],
    )
    r.add_argument("id", help="the reservation's id (rsv_…)")
    r.add_argument(
        "--expand",
        action="append",
        choices=["events"],
        default=[],
        help='add the event log under "events" (a list object, oldest first)',
    )
    _show_version(r)
    r.set_defaults(handler=_retrieve)

    ev = add_command(
        sub,
        "events",
        "the reservation's event log, oldest first",
        examples=[
            f"charge-tui reservations events {CONFIRMED}",
            f"charge-tui reservations events {CONFIRMED} | grep '\"type\"'",
        ],
    )
    ev.add_argument("id", help="the reservation's id (rsv_…)")
    ev.set_defaults(handler=_events)

    for name, text, example_id, second in (
        (
            "cancel",
            "cancel a reservation (the cancellation policy's fees apply)",
            PENDING,
            "--expected-version 1",
        ),
        (
            "complete",
            "report the charging session of a confirmed reservation",
            CONFIRMED,
            "--show-version",
        ),
        (
            "expire",
            "expire a pending reservation past its window, or a confirmed no-show",
            OLDEST_PENDING,
            "--show-version",
        ),
    ):
        a = add_command(
            sub,
            name,
            text,
            description="Refused with reservation_unexpected_state when the reservation's "
            "status does not allow it.",
            examples=[
                f"charge-tui reservations {name} {example_id}",
                f"charge-tui reservations {name} {example_id} {second}",
            ],
        )
        a.add_argument("id", help="the reservation's id (rsv_…)")
        _expected_version(a)
        _show_version(a)
        a.set_defaults(handler=_transition, verb=name)

    for name, text, example_id in (
        (
            "confirm",
            "confirm a pending reservation: assign the best free slot, charge the fee",
            PENDING,
        ),
        ("reassign", "move a confirmed reservation to another free slot", CONFIRMED),
    ):
        cf = add_command(
            sub,
            name,
            text,
            description="Without --evse, the slot the confirmation engine would choose (the "
            "earliest free start closest to the preferred one, then the nearest station). With "
            "--evse (and --start), that EVSE (and start) or the error saying why not.",
            examples=[
                f"charge-tui reservations {name} {example_id}",
                f"charge-tui reservations {name} {example_id} --show-version",
            ],
        )
        cf.add_argument("id", help="the reservation's id (rsv_…)")
        cf.add_argument("--evse", default=None, help="assign this EVSE (evse_…)")
        cf.add_argument(
            "--start",
            default=None,
            metavar="TIME",
            help="slot start on that EVSE: UNIX seconds, a date, or an offset from now (+90m)",
        )
        _expected_version(cf)
        _show_version(cf)
        cf.set_defaults(handler=_assign, verb=name)

    f = add_command(
        sub,
        "fail",
        "fail a pending or confirmed reservation with a reason",
        examples=[
            f"charge-tui reservations fail {PENDING} --reason other",
            f"charge-tui reservations fail {PENDING} --reason payment_failed --show-version",
        ],
    )
    f.add_argument("id", help="the reservation's id (rsv_…)")
    f.add_argument(
        "--reason",
        required=True,
        choices=[r.value for r in FailureReason],
        help="why: " + ", ".join(r.value for r in FailureReason),
    )
    _expected_version(f)
    _show_version(f)
    f.set_defaults(handler=_fail)


def _create_parser(sub: argparse._SubParsersAction) -> None:
    c = add_command(
        sub,
        "create",
        "create a reservation",
        description="The parameters: driver (drv_…), vehicle (veh_…), connector_types (one or "
        f"more of {', '.join(c.value for c in ConnectorType)}), preferred_start_time, "
        "preferred_end_time, service_area (latitude, longitude, radius_meters from 100 to "
        "100000); optional: earliest_start_time, latest_end_time, payment_method (pm_…), "
        "metadata (text values).\n\n"
        "Give them as JSON (--data, --data @file.json, or piped on standard input) or one by one "
        "with -d in bracket form; -d pairs replace the same parameters of --data.\n\n" + TIMES,
        examples=[
            "charge-tui reservations create -d driver=drv_ada -d vehicle=veh_leaf \\\n"
            "    -d 'connector_types[]=ccs2' -d preferred_start_time=+1h \\\n"
            "    -d preferred_end_time=start+45m -d 'service_area[latitude]=52.52' \\\n"
            "    -d 'service_area[longitude]=13.40' -d 'service_area[radius_meters]=5000' \\\n"
            "    -d payment_method=pm_card_visa",
            'echo \'{"driver": "drv_bo", "vehicle": "veh_id3", "connector_types": '
            '["ccs2"], "service_area": {"latitude": 52.5, "longitude": 13.4, '
            '"radius_meters": 8000}}\' \\\n'
            "    | charge-tui reservations create --data - -d preferred_start_time=+2h \\\n"
            "    -d preferred_end_time=start+1h -d payment_method=pm_card_visa --show-version",
        ],
    )
    c.add_argument(
        "--data",
        metavar="JSON",
        help="the parameters as a JSON object; @FILE reads a file, - reads standard input",
    )
    c.add_argument(
        "-d",
        dest="pairs",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="one parameter: key=value, list[]=value (repeat it), object[key]=value",
    )
    c.add_argument(
        "--idempotency-key",
        default=None,
        metavar="KEY",
        help="sending the same key again with the same parameters returns the first "
        "reservation instead of a second one",
    )
    _show_version(c)
    c.set_defaults(handler=_create)


def _list_parser(sub: argparse._SubParsersAction) -> None:
    ls = add_command(
        sub,
        "list",
        "list reservations, newest first",
        description="A page of at most --limit reservations as a list object; has_more says "
        "whether there are more: pass the last id to --starting-after for the next page.",
        examples=[
            "charge-tui reservations list --limit 3",
            "charge-tui reservations list --status confirmed --format ids",
        ],
    )
    ls.add_argument("--status", choices=[s.value for s in Status], help="only this status")
    ls.add_argument(
        "--limit", type=int_in(1, 100), default=10, help="reservations per page, 1-100 (default 10)"
    )
    ls.add_argument("--starting-after", metavar="ID", help="the page after this reservation")
    ls.add_argument("--ending-before", metavar="ID", help="the page before this reservation")
    ls.add_argument(
        "--format",
        choices=["json", "ids"],
        default="json",
        help="json: a list object (default); ids: one id per line",
    )
    _show_version(ls)
    ls.set_defaults(handler=_list)


def _export_parser(sub: argparse._SubParsersAction) -> None:
    ex = add_command(
        sub,
        "export",
        "write every reservation of a view as CSV or JSON Lines",
        description="Every reservation matching the filter and search, in the order asked, to "
        "standard output: one JSON object per line (jsonl) or CSV with a header. Streams "
        "through the store page by page, so memory stays small whatever its size.",
        examples=[
            "charge-tui reservations export --status confirmed --format csv > confirmed.csv",
            "charge-tui reservations export --search drv_ --sort start --reverse | head -n 3",
        ],
    )
    ex.add_argument(
        "--format", choices=("jsonl", "csv"), default="jsonl", help="jsonl (default) or csv"
    )
    ex.add_argument("--status", choices=[s.value for s in Status], help="only this status")
    ex.add_argument(
        "--search",
        default="",
        metavar="TEXT",
        help="as the console's search: an id, an id prefix (drv_…, sta_…), or text",
    )
    ex.add_argument("--sort", choices=SORTS, default="created", help="order (default created)")
    ex.add_argument("--reverse", action="store_true", help="oldest (or earliest) first")
    ex.set_defaults(handler=_export)


def _expected_version(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--expected-version",
        type=version_arg,
        default=None,
        metavar="N",
        help="refuse (concurrent_update) if the reservation changed since it had this version "
        "(printed by --show-version)",
    )


def _show_version(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--show-version",
        action="store_true",
        help='add "version" to each reservation printed: its value for --expected-version',
    )


def _api(r: Reservation, args: argparse.Namespace) -> dict[str, Any]:
    from charge_tui.domain.api import reservation_to_api

    obj = reservation_to_api(r)
    if args.show_version:
        obj["version"] = r.version
    return obj


def _create(args: argparse.Namespace) -> int:
    from charge_tui.cli.params import read_body
    from charge_tui.domain.timefields import resolve_times
    from charge_tui.domain.timeparse import local_zone

    params = read_body(args.data, args.pairs)
    svc = open_service(args)
    if isinstance(params, dict):
        params = resolve_times(params, svc.clock.now(), local_zone())
    r = svc.create(params, idempotency_key=args.idempotency_key, actor="dispatcher")
    print_json(_api(r, args))
    return 0


def _list(args: argparse.Namespace) -> int:
    from charge_tui.domain.api import list_object

    rows, has_more = _first_page(args) or _page(args)
    if args.format == "ids":
        sys.stdout.write("".join(f"{r.id}\n" for r in rows))
        sys.stdout.flush()
        return 0
    print_json(list_object([_api(r, args) for r in rows], has_more, URL))
    return 0


def _first_page(args: argparse.Namespace) -> tuple[list[Reservation], bool] | None:
    """The first page read with ``sqlite3`` alone, as the console's first screen is (no SQLAlchemy
    to import: a third of the time), when the store is a plain SQLite file at this schema; None
    otherwise (a page after a cursor, PostgreSQL, a new file: the service answers)."""
    if args.starting_after is not None or args.ending_before is not None:
        return None
    from charge_tui.domain.clock import env_now
    from charge_tui.store.firstread import FirstReadUnavailable, open_first_read
    from charge_tui.store.listquery import ListQuery
    from charge_tui.store.location import resolve_url

    env_now()  # a CHARGE_TUI_NOW that is not a time is refused as the service would
    first = open_first_read(resolve_url(args.db))
    if first is None:
        return None
    try:
        page = first.first(ListQuery(Status(args.status) if args.status else None), args.limit)
    except FirstReadUnavailable:  # SQLite failed: the service reads it and reports clearly
        return None
    finally:
        first.close()
    return list(page.rows), page.more


def _page(args: argparse.Namespace) -> tuple[list[Reservation], bool]:
    page = open_service(args).list(
        status=args.status,
        limit=args.limit,
        starting_after=args.starting_after,
        ending_before=args.ending_before,
    )
    return list(page.data), page.has_more


def _export(args: argparse.Namespace) -> int:
    from charge_tui.domain.export import lines as export_lines
    from charge_tui.domain.text import text_problem
    from charge_tui.store.listquery import ListQuery, SortKey

    search = args.search.strip()
    if text_problem(search):
        raise UsageError("charge-tui reservations export: --search is not valid text")
    sort = {"created": SortKey.CREATED, "start": SortKey.PREFERRED, "updated": SortKey.UPDATED}
    q = ListQuery(
        Status(args.status) if args.status else None,
        search,
        sort[args.sort],
        descending=not args.reverse,
    )
    svc = open_service(args)
    out = sys.stdout
    with svc.view(q) as rows:
        for line in export_lines(rows, args.format):
            out.write(line)
    out.flush()
    return 0


def _retrieve(args: argparse.Namespace) -> int:
    from charge_tui.domain.api import event_to_api, list_object

    svc = open_service(args)
    obj = _api(svc.retrieve(args.id), args)
    if "events" in args.expand:
        events = [event_to_api(e) for e in svc.events(args.id)]
        obj["events"] = list_object(events, False, f"{URL}/{args.id}/events")
    print_json(obj)
    return 0


def _events(args: argparse.Namespace) -> int:
    from charge_tui.domain.api import event_to_api, list_object

    evs = open_service(args).events(args.id)
    print_json(list_object([event_to_api(e) for e in evs], False, f"{URL}/{args.id}/events"))
    return 0


def _transition(args: argparse.Namespace) -> int:
    svc = open_service(args)
    r = getattr(svc, args.verb)(args.id, expected_version=args.expected_version)
    print_json(_api(r, args))
    return 0


def _assign(args: argparse.Namespace) -> int:
    from charge_tui.domain.errors import PARAMETER_INVALID, ChargeError
    from charge_tui.domain.timeparse import TimeParseError, parse_time

    svc = open_service(args)
    start = None
    if args.start is not None:
        if args.evse is None:
            raise ChargeError(PARAMETER_INVALID, "--start needs --evse.", "start")
        try:
            start = parse_time(args.start, svc.clock.now())
        except TimeParseError as exc:
            raise ChargeError(PARAMETER_INVALID, f"start: {exc}.", "start") from None
    r = getattr(svc, args.verb)(
        args.id, evse_id=args.evse, start=start, expected_version=args.expected_version
    )
    print_json(_api(r, args))
    return 0


def _fail(args: argparse.Namespace) -> int:
    svc = open_service(args)
    r = svc.fail(args.id, args.reason, expected_version=args.expected_version)
    print_json(_api(r, args))
    return 0
