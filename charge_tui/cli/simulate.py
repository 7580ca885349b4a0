"""``charge-tui simulate``: the headless simulator with its KPI summary.

Progress goes to stderr (one line rewritten in place on a terminal, a line every few seconds
otherwise); the summary to stdout, as text or ``--json``. Ctrl+C stops after the current tick (that
tick is committed whole; a second Ctrl+C abandons it, rolled back) and prints the summary of what
ran, with exit status 130. At the end the store is audited for the status machine's invariants
(``--no-check`` skips it).
"""

from __future__ import annotations

import argparse
import signal
import sys
import time

from charge_tui.cli.args import UsageError, float_in, int_in, seed_arg
from charge_tui.cli.commands import summary
from charge_tui.cli.helptext import add_command
from charge_tui.cli.output import EXIT_INTERRUPTED, print_json
from charge_tui.cli.simreport import Progress, format_summary
from charge_tui.domain.clock import LATEST, env_now, parse_instant
from charge_tui.domain.text import printable
from charge_tui.engine.simconfig import SimConfig, format_time
from charge_tui.store.location import resolve_url

_D = SimConfig()
#: SQLite page cache of the simulator's connection (see ``Database``): its writes touch every index.
SIM_CACHE_MIB = 256
#: WAL pages between automatic checkpoints of the simulator's connection (SQLite's default is
#: 1,000): a large run dirties ~3,000 index pages per tick, mostly the same ones tick after tick;
#: copying them back to the database file every ~13 ticks instead of every tick or two saves a
#: quarter of the commit time (see ``Database``). The WAL file grows to ~160 MiB between
#: checkpoints (and is removed when the run closes the store). The checkpoints run in a thread of
#: their own, beside the ticks (``charge_tui.store.checkpoints``), not inside a tick's commit.
SIM_WAL_AUTOCHECKPOINT = 40_000
#: Documented maxima of the options (a year; a million requests an hour; ...).
MAX_HOURS = 8_760
MAX_RATE = 1_000_000
MAX_STATIONS = 100_000
MAX_SPEED = 1_000_000


def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(
        subparsers,
        "simulate",
        summary("simulate"),
        examples=[
            "charge-tui simulate --hours 2 --rate 200 --quiet",
            "charge-tui simulate --seed 5 --hours 12 --stations 60 --fault-rate 2 --json --quiet",
        ],
        description="Play drivers, the confirmation engine, payments, cancellations, no-shows and "
        "station faults on the store with a simulated clock, deterministically for a seed, then "
        "print a KPI summary. Seeds a station network if the store has none.\n\n"
        "Progress goes to stderr with the time left; Ctrl+C stops after the current tick (a "
        "second Ctrl+C abandons it) and prints the summary of what ran (exit 130). At the end "
        "the store is audited for its invariants (exit 1 if one is broken).",
    )
    p.add_argument("--seed", type=seed_arg, default=_D.seed, help="random seed (default 0)")
    p.add_argument(
        "--stations",
        type=int_in(1, MAX_STATIONS),
        default=_D.stations,
        help=f"stations to seed if the store has none, 1-{MAX_STATIONS} (default {_D.stations})",
    )
    p.add_argument(
        "--hours",
        type=float_in(0, MAX_HOURS, above=True),
        default=_D.hours,
        help=f"simulated hours, up to {MAX_HOURS} (default {_D.hours:g})",
    )
    p.add_argument(
        "--rate",
        type=float_in(0, MAX_RATE),
        default=_D.rate,
        help=f"reservation requests per hour, daily average, 0-{MAX_RATE} (default {_D.rate:g})",
    )
    pace = p.add_mutually_exclusive_group()
    pace.add_argument(
        "--speed",
        type=float_in(0, MAX_SPEED, above=True),
        metavar="X",
        help=f"run at X times real time (up to {MAX_SPEED})",
    )
    pace.add_argument("--fast", action="store_true", help="as fast as possible (the default)")
    p.add_argument(
        "--in-process",
        action="store_true",
        help="write every tick from this process (slower), playing along with other writers "
        "such as a dispatcher in the console; by default a fast run on a SQLite file keeps what "
        "it reads in memory, commits each tick in a writer process while it plays the next, and "
        "stops if another connection writes to the store meanwhile",
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument(
        "--start",
        type=instant_arg,
        default=None,
        metavar="TIME",
        help="simulated start: UNIX seconds, ISO 8601 (naive is UTC), a date, or an offset "
        "from now (+1d), years 1970-2999 (default: $CHARGE_TUI_NOW, else today 00:00 UTC)",
    )
    p.add_argument(
        "--tick",
        type=int_in(1, 86_400),
        default=_D.tick_seconds,
        metavar="S",
        help=f"simulated seconds per tick, one transaction each (default {_D.tick_seconds})",
    )
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument(
        "--no-check", action="store_true", help="skip the invariant audit of the store at the end"
    )
    w = p.add_argument_group("workload and engine")
    _rate(w, "--decline-rate", "decline_rate", "share of payments declined at random")
    _rate(
        w,
        "--declined-cards",
        "declined_card_share",
        "share of drivers paying with pm_card_declined / pm_card_insufficient_funds",
    )
    _rate(w, "--cancel-rate", "cancel_rate", "share of requests the driver cancels")
    _rate(w, "--no-show-rate", "no_show_rate", "share of confirmed drivers who do not show up")
    _num(w, "--fault-rate", "fault_rate", "station faults per EVSE per day", 0, 24, above=False)
    _num(
        w, "--repair-hours", "repair_hours", "median repair time of a faulted EVSE (hours)", 0, 720
    )
    _rate(w, "--dc-share", "dc_share", "share of requests for a DC fast session")
    _num(w, "--dc-median-minutes", "dc_median_minutes", "median DC session (minutes)", 0, 720)
    _num(w, "--ac-median-hours", "ac_median_hours", "median AC session (hours)", 0, 12)
    _num(
        w,
        "--max-slack-minutes",
        "max_slack_minutes",
        "window slack is uniform in [0, X] minutes",
        0,
        1440,
        above=False,
    )
    w.add_argument(
        "--lead-mix",
        type=lead_mix_arg,
        default=_D.lead_mix,
        metavar="S,M,L",
        help="shares of lead times of minutes, hours, days (default "
        f"{','.join(f'{x:g}' for x in _D.lead_mix)})",
    )
    _num(w, "--lead-minutes", "lead_minutes_median", "median short lead time (minutes)", 0, 1440)
    _num(w, "--lead-hours", "lead_hours_median", "median same-day lead time (hours)", 0, 336)
    _num(w, "--lead-days", "lead_days_median", "median long lead time (days)", 0, 14)
    w.add_argument(
        "--confirm-lead",
        type=int_in(0, 7 * 86_400),
        default=_D.confirm_lead,
        metavar="S",
        help=f"seconds before earliest start at which the engine confirms (default "
        f"{_D.confirm_lead})",
    )
    w.add_argument(
        "--retry",
        type=int_in(1, 86_400),
        default=_D.retry_seconds,
        metavar="S",
        help=f"engine retry interval when no slot is free (default {_D.retry_seconds})",
    )
    w.add_argument(
        "--radius-km",
        type=float_in(0.1, 500),
        default=_D.radius_km,
        metavar="KM",
        help=f"radius of the city when a network is seeded (default {_D.radius_km:g})",
    )
    p.set_defaults(handler=_simulate)


def _rate(group, flag: str, name: str, text: str) -> None:
    default = getattr(_D, name)
    group.add_argument(
        flag,
        type=float_in(0, 1),
        default=default,
        metavar="P",
        help=f"{text}, 0-1 (default {default:g})",
    )


def _num(
    group, flag: str, name: str, text: str, lo: float, hi: float, *, above: bool = True
) -> None:
    default = getattr(_D, name)
    low = f"above {lo:g}" if above else f"{lo:g}"
    group.add_argument(
        flag,
        type=float_in(lo, hi, above=above),
        default=default,
        metavar="X",
        help=f"{text}, {low} to {hi:g} (default {default:g})",
    )


def instant_arg(text: str) -> int:
    """A time as UNIX seconds or ISO 8601 (naive is UTC), else anything people type (a date in
    local time, an offset from now such as ``+1d``), in the years the program supports."""
    try:
        return parse_instant(text)
    except ValueError as exc:
        first = exc
    from charge_tui.domain.timeparse import TimeParseError, parse_time

    try:
        return parse_time(text, env_now() or int(time.time()))
    except TimeParseError:
        raise argparse.ArgumentTypeError(f"{printable(text[:40])!r}: {first}") from None


def lead_mix_arg(text: str) -> tuple[float, float, float]:
    """Three non-negative shares ``S,M,L``, not all zero."""
    parts = text.split(",")
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(f"must be three numbers S,M,L, got {printable(text)!r}")
    mix = tuple(float_in(0, 1_000)(x) for x in parts)
    if not sum(mix) > 0:
        raise argparse.ArgumentTypeError("the three shares must not all be zero")
    return mix  # type: ignore[return-value]


def config_from_args(args: argparse.Namespace) -> SimConfig:
    start = args.start
    if start is not None and start + args.hours * 3600 > LATEST:
        raise UsageError("charge-tui simulate: --start plus --hours must end before the year 3000")
    try:
        return _config(args)
    except ValueError as exc:  # SimConfig's own checks (the options' bounds come first)
        raise UsageError(f"charge-tui simulate: {exc}") from None


def _config(args: argparse.Namespace) -> SimConfig:
    return SimConfig(
        seed=args.seed,
        stations=args.stations,
        hours=args.hours,
        rate=args.rate,
        start=args.start,
        tick_seconds=args.tick,
        speed=args.speed,
        decline_rate=args.decline_rate,
        declined_card_share=args.declined_cards,
        cancel_rate=args.cancel_rate,
        no_show_rate=args.no_show_rate,
        fault_rate=args.fault_rate,
        repair_hours=args.repair_hours,
        dc_share=args.dc_share,
        dc_median_minutes=args.dc_median_minutes,
        ac_median_hours=args.ac_median_hours,
        max_slack_minutes=args.max_slack_minutes,
        lead_mix=args.lead_mix,
        lead_minutes_median=args.lead_minutes,
        lead_hours_median=args.lead_hours,
        lead_days_median=args.lead_days,
        confirm_lead=args.confirm_lead,
        retry_seconds=args.retry,
        radius_km=args.radius_km,
    )


def _simulate(args: argparse.Namespace) -> int:
    from charge_tui.engine.simulator import Simulator
    from charge_tui.store.audit import check_invariants
    from charge_tui.store.db import Database
    from charge_tui.store.writebehind import WriteBehindStopped

    config = config_from_args(args)
    db = Database(
        resolve_url(args.db),
        cache_size_mib=SIM_CACHE_MIB,
        wal_autocheckpoint=SIM_WAL_AUTOCHECKPOINT,
        checkpoint_in_background=True,
    )
    sim = Simulator.for_database(db, config)
    # Paced runs (--speed) stay in process: they are the ones watched and steered meanwhile.
    sim.write_behind = not args.in_process and not config.speed
    progress = Progress(args.quiet)
    abandoned = False

    def on_sigint(_signum, _frame) -> None:
        if sim._stop.is_set():
            raise KeyboardInterrupt
        sim.request_stop()
        if not args.quiet:
            progress.close()
            sys.stderr.write(
                "charge-tui: stopping after the current tick (Ctrl+C again to abandon it)\n"
            )
            sys.stderr.flush()

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        sim.setup()
        if not args.quiet:
            sys.stderr.write(
                f"charge-tui: simulating {config.hours:g} h from {format_time(sim.start)} on "
                f"{sim.station_count} stations ({len(sim.evse_ids)} EVSEs), seed {config.seed}, "
                f"{config.rate:g} requests/h, "
                f"{'as fast as possible' if not config.speed else f'{config.speed:g}x real time'}"
                "\n"
            )
        progress.start()
        sim.run(on_progress=progress, progress_every=progress.every)
        if sim.finished:
            progress(sim, done=True)
    except WriteBehindStopped as exc:
        if exc.reason != "changed":
            raise
        raise WriteBehindStopped(
            f"{exc} (`charge-tui simulate --in-process` plays along with other writers)",
            exc.label,
            exc.reason,
        ) from None
    except KeyboardInterrupt:
        abandoned = True
        sim.interrupted = True
    finally:
        signal.signal(signal.SIGINT, previous)
        progress.close()
    kpis = sim.kpis()
    if abandoned:
        kpis["interrupted"] = True
    if not args.no_check:
        violations = check_invariants(db)
        kpis["invariants"] = {"ok": not violations, "violations": violations[:20]}
    if args.json:
        print_json(kpis)
    else:
        sys.stdout.write(format_summary(kpis))
        sys.stdout.flush()
    db.dispose()
    if kpis.get("invariants") and not kpis["invariants"]["ok"]:
        return 1
    return EXIT_INTERRUPTED if kpis["interrupted"] else 0
