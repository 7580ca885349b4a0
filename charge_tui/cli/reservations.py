"""``charge-tui reservations create|list|retrieve|cancel|confirm|complete|expire|fail|reassign|events``"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from charge_tui.cli.args import UsageError, int_in, version_arg
from charge_tui.cli.common import open_service
from charge_tui.cli.output import print_json
from charge_tui.domain.api import event_to_api, list_object, reservation_to_api
from charge_tui.domain.body import MAX_BODY_BYTES
from charge_tui.domain.body import parse as parse_body
from charge_tui.domain.enums import FailureReason, Status
from charge_tui.domain.errors import PARAMETER_INVALID, ChargeError
from charge_tui.domain.export import FORMATS
from charge_tui.domain.export import lines as export_lines
from charge_tui.domain.text import printable, text_problem
from charge_tui.domain.timeparse import TimeParseError, parse_time
from charge_tui.store.listquery import ListQuery, SortKey

URL = "/v1/reservations"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("reservations", help="create, list and act on reservations (JSON)")
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    c = sub.add_parser("create", help="create a reservation from JSON parameters")
    c.add_argument(
        "--data",
        required=True,
        help="the create parameters as a JSON object; @FILE reads a file, - reads stdin",
    )
    c.add_argument("--idempotency-key", default=None)
    c.set_defaults(handler=_create)

    ls = sub.add_parser("list", help="list reservations, newest first")
    ls.add_argument("--status", choices=[s.value for s in Status])
    ls.add_argument("--limit", type=int_in(1, 100), default=10, help="1-100 (default 10)")
    ls.add_argument("--starting-after", metavar="ID")
    ls.add_argument("--ending-before", metavar="ID")
    ls.set_defaults(handler=_list)

    ex = sub.add_parser(
        "export",
        help="write every reservation of a view as CSV or JSON Lines (streamed)",
        description="Write every reservation matching the filter and search, in the order asked, "
        "to standard output: one JSON object per line (jsonl) or CSV with a header. Streams "
        "through the store page by page, so memory stays small whatever its size.",
    )
    ex.add_argument("--format", choices=FORMATS, default="jsonl", help="jsonl (default) or csv")
    ex.add_argument("--status", choices=[s.value for s in Status], help="only this status")
    ex.add_argument(
        "--search",
        default="",
        metavar="TEXT",
        help="as the console's search: an id, an id prefix (drv_…, sta_…), or text",
    )
    ex.add_argument(
        "--sort", choices=list(SORTS), default="created", help="order (default created)"
    )
    ex.add_argument("--reverse", action="store_true", help="oldest (or earliest) first")
    ex.set_defaults(handler=_export)

    for name, help_text in (
        ("retrieve", "show one reservation"),
        ("cancel", "cancel (fee rules of the cancellation policy apply)"),
        ("complete", "report the charging session (confirmed -> completed)"),
        ("expire", "expire (pending past its window, or a confirmed no-show)"),
        ("events", "the reservation's event log"),
    ):
        a = sub.add_parser(name, help=help_text)
        a.add_argument("id")
        if name not in ("retrieve", "events"):
            a.add_argument("--expected-version", type=version_arg, default=None)
        a.set_defaults(handler=_simple, verb=name)

    for name, help_text in (
        ("confirm", "assign the best free slot (or the EVSE/start given), charge the fee"),
        ("reassign", "move a confirmed reservation to another free slot"),
    ):
        cf = sub.add_parser(name, help=help_text)
        cf.add_argument("id")
        cf.add_argument("--evse", default=None, help="assign this EVSE")
        cf.add_argument("--start", default=None, help="slot start: a time or +offset")
        cf.add_argument("--expected-version", type=version_arg, default=None)
        cf.set_defaults(handler=_assign, verb=name)

    f = sub.add_parser("fail", help="fail a reservation with a reason")
    f.add_argument("id")
    f.add_argument("--reason", required=True, help=", ".join(r.value for r in FailureReason))
    f.add_argument("--expected-version", type=version_arg, default=None)
    f.set_defaults(handler=_fail)


def _read_data(value: str) -> Any:
    """The parameters given as ``--data``: JSON text, ``@FILE`` or ``-`` (standard input), read
    as bytes and parsed by :func:`charge_tui.domain.body.parse`."""
    body: bytes | str
    if value == "-":
        stream = getattr(sys.stdin, "buffer", None)
        body = stream.read(MAX_BODY_BYTES + 1) if stream is not None else sys.stdin.read()
    elif value.startswith("@"):
        path = value[1:]
        try:
            with open(path, "rb") as f:
                body = f.read(MAX_BODY_BYTES + 1)
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise UsageError(
                f"charge-tui reservations create: --data: cannot read {printable(path)!r}: {reason}"
            ) from None
    else:
        body = value
    return parse_body(body)


def _create(args: argparse.Namespace) -> int:
    params = _read_data(args.data)
    svc = open_service(args)
    r = svc.create(params, idempotency_key=args.idempotency_key, actor="dispatcher")
    print_json(reservation_to_api(r))
    return 0


def _list(args: argparse.Namespace) -> int:
    svc = open_service(args)
    page = svc.list(
        status=args.status,
        limit=args.limit,
        starting_after=args.starting_after,
        ending_before=args.ending_before,
    )
    print_json(list_object([reservation_to_api(r) for r in page.data], page.has_more, URL))
    return 0


SORTS = {"created": SortKey.CREATED, "start": SortKey.PREFERRED, "updated": SortKey.UPDATED}


def _export(args: argparse.Namespace) -> int:
    search = args.search.strip()
    if text_problem(search):
        raise UsageError("charge-tui reservations export: --search is not valid text")
    q = ListQuery(
        Status(args.status) if args.status else None,
        search,
        SORTS[args.sort],
        descending=not args.reverse,
    )
    svc = open_service(args)
    out = sys.stdout
    with svc.view(q) as rows:
        for line in export_lines(rows, args.format):
            out.write(line)
    out.flush()
    return 0


def _simple(args: argparse.Namespace) -> int:
    svc = open_service(args)
    if args.verb == "retrieve":
        print_json(reservation_to_api(svc.retrieve(args.id)))
    elif args.verb == "events":
        evs = svc.events(args.id)
        print_json(list_object([event_to_api(e) for e in evs], False, f"{URL}/{args.id}/events"))
    else:
        r = getattr(svc, args.verb)(args.id, expected_version=args.expected_version)
        print_json(reservation_to_api(r))
    return 0


def _assign(args: argparse.Namespace) -> int:
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
    print_json(reservation_to_api(r))
    return 0


def _fail(args: argparse.Namespace) -> int:
    svc = open_service(args)
    r = svc.fail(args.id, args.reason, expected_version=args.expected_version)
    print_json(reservation_to_api(r))
    return 0
