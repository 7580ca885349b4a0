"""``charge-tui engine [--once] [--interval S]``: the confirmation engine as its own process (SPEC §8).

By the clock (``CHARGE_TUI_NOW`` freezes it): works through what is due on the store. With
``--once``: one tick, its result as a JSON object. Otherwise: a tick every ``--interval`` seconds
(immediately again while more is due than one tick takes) until SIGINT or SIGTERM; each tick that
changed something prints one JSON line (JSON Lines on stdout), and the totals go to stderr at the
end. A tick is one transaction: stopping never leaves half a tick written.

When a reservation falls due is decided when it is created (``confirm_lead`` before its earliest
start, written into its queue entry), so it is not an option of this command.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import TYPE_CHECKING

from charge_tui.cli.args import float_in, int_in
from charge_tui.cli.common import open_service
from charge_tui.cli.output import print_json, print_line
from charge_tui.engine.defaults import DEFAULT_LIMIT, DEFAULT_RETRY_INTERVAL

if TYPE_CHECKING:
    from charge_tui.engine.tickresult import TickResult


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "engine",
        help="run the confirmation engine on the store (confirmations, expiries, no-shows)",
        description="Work through what is due on the store by the clock: confirm or fail pending "
        "reservations whose confirmation time has come, expire pending ones past their window and "
        "confirmed no-shows. Respects CHARGE_TUI_NOW.",
    )
    p.add_argument("--once", action="store_true", help="one tick; print its result as JSON")
    p.add_argument(
        "--interval",
        type=float_in(0, 86_400, above=True),
        default=5.0,
        metavar="S",
        help="seconds between ticks when looping, up to 86400 (default 5)",
    )
    p.add_argument(
        "--limit",
        type=int_in(1, 1_000_000),
        default=DEFAULT_LIMIT,
        help="at most this many due reservations per queue and tick, 1-1000000 (default "
        f"{DEFAULT_LIMIT})",
    )
    p.add_argument(
        "--retry",
        type=int_in(1, 86_400),
        default=DEFAULT_RETRY_INTERVAL,
        metavar="S",
        help="seconds before looking again at a reservation that found no free slot, 1-86400 "
        f"(default {DEFAULT_RETRY_INTERVAL})",
    )
    p.add_argument(
        "--strategy",
        choices=["batch", "fcfs"],
        default="batch",
        help="assign due reservations together (batch, default) or one by one (fcfs)",
    )
    p.set_defaults(handler=_engine)


def _engine(args: argparse.Namespace) -> int:
    from charge_tui.engine.confirmation import ConfirmationEngine

    service = open_service(args)
    engine = ConfirmationEngine(
        service,
        limit=args.limit,
        retry_interval=args.retry,
        strategy=args.strategy,
    )
    if args.once:
        print_json(engine.tick().to_dict())
        return 0
    stop = threading.Event()

    def _stop(_signum, _frame) -> None:
        stop.set()

    previous = {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}

    def on_tick(r: TickResult) -> None:
        if r.transitions or r.conflicts or r.retried:
            sys.stdout.write(json.dumps(r.to_dict(), separators=(",", ":")) + "\n")
            sys.stdout.flush()

    def on_error(exc: Exception) -> None:
        print_line(f"{exc}; retrying in {args.interval:g} s")

    print_line(
        f"engine running on {service.db.url} every {args.interval:g} s (Ctrl+C or SIGTERM to stop)"
    )
    try:
        total = engine.run_forever(args.interval, stop, on_tick=on_tick, on_error=on_error)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    print_line(
        f"engine stopped: {total.confirmed} confirmed, "
        f"{total.failed_payment + total.failed_no_connectors + total.failed_other} failed, "
        f"{total.expired + total.no_shows} expired ({total.no_shows} no-shows), "
        f"{total.retried} retries"
    )
    return 0
