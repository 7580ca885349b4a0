"""``charge-tui engine [--once] [--interval S]``: the confirmation engine as its own process.

By the clock (``CHARGE_TUI_NOW`` freezes it): works through what is due on the store. With
``--once``: one tick, its result as a JSON object on stdout. Otherwise: a tick every
``--interval`` seconds (immediately again while more is due than one tick takes) until SIGINT or
SIGTERM, logging (``cli/logs.py``) one line per tick that changed something and the totals at the
end. A tick is one transaction: stopping never leaves half a tick written.

When a reservation falls due is decided when it is created (``confirm_lead`` before its earliest
start, written into its queue entry), so it is not an option of this command.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from typing import TYPE_CHECKING

from charge_tui.cli.args import float_in, int_in
from charge_tui.cli.commands import summary
from charge_tui.cli.common import open_service
from charge_tui.cli.helptext import add_command
from charge_tui.cli.logs import FIELDS, FORMATS, LEVELS, setup
from charge_tui.cli.output import print_json
from charge_tui.engine.defaults import DEFAULT_LIMIT, DEFAULT_RETRY_INTERVAL

if TYPE_CHECKING:
    from charge_tui.engine.tickresult import TickResult


def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(
        subparsers,
        "engine",
        summary("engine"),
        description="Work through what is due on the store by the clock: confirm or fail pending "
        "reservations whose confirmation time has come, expire pending ones past their window and "
        "confirmed no-shows. Respects CHARGE_TUI_NOW.\n\n"
        "With --once: one tick, its result as a JSON object on stdout. Otherwise a tick every "
        "--interval seconds until Ctrl+C or SIGTERM, which stop it after the tick under way. "
        "It logs to stderr: one line per tick that changed something (counts and duration), "
        "idle ticks at debug level, and the totals when it stops.",
        examples=[
            "charge-tui engine --once",
            "charge-tui engine --once --strategy fcfs --limit 50",
            "charge-tui engine --interval 2 --log-format json",
        ],
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
    p.add_argument(
        "--log-level", choices=LEVELS, default="info", help="least important log line shown"
    )
    p.add_argument(
        "--log-format",
        choices=FORMATS,
        default="text",
        help="text for people (default), json for log shippers (one object per line)",
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
    log = setup("charge_tui.engine", args.log_level, args.log_format)
    stop = threading.Event()

    def _stop(signum, _frame) -> None:
        if not stop.is_set():
            log.info("%s: stopping after the tick under way", signal.Signals(signum).name)
        stop.set()

    previous = {s: signal.signal(s, _stop) for s in (signal.SIGINT, signal.SIGTERM)}

    def on_tick(r: TickResult) -> None:
        worth = r.transitions or r.conflicts or r.retried
        if worth or log.isEnabledFor(logging.DEBUG):
            log.log(
                logging.INFO if worth else logging.DEBUG, tick_line(r), extra={FIELDS: r.to_dict()}
            )

    def on_error(exc: Exception) -> None:
        log.warning("%s; retrying in %g s", exc, args.interval)

    log.info(
        "engine running on %s every %g s, strategy %s (Ctrl+C or SIGTERM to stop)",
        service.db.url,
        args.interval,
        args.strategy,
    )
    try:
        total = engine.run_forever(args.interval, stop, on_tick=on_tick, on_error=on_error)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    log.info("engine stopped: %s", counts(total), extra={FIELDS: total.to_dict()})
    return 0


def counts(r: TickResult) -> str:
    failed = r.failed_payment + r.failed_no_connectors + r.failed_other
    return (
        f"{r.confirmed} confirmed, {failed} failed, {r.expired + r.no_shows} expired "
        f"({r.no_shows} no-shows), {r.reassigned} reassigned, {r.retried} retries"
    )


def tick_line(r: TickResult) -> str:
    """One tick for people: what it changed and how long it took."""
    more = ", more due" if r.more else ""
    conflicts = f", {r.conflicts} conflicts" if r.conflicts else ""
    return f"tick: {counts(r)}{conflicts}; {r.due} due{more}; {r.seconds * 1000:.0f} ms"
