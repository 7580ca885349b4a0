"""How ``charge-tui simulate`` shows a run: the progress line on stderr while it plays (share
done, time left at the pace so far, counts) and the KPI summary at the end."""

from __future__ import annotations

import shutil
import sys
import time
from typing import TYPE_CHECKING, Any

from charge_tui.engine.simconfig import format_time

if TYPE_CHECKING:
    from charge_tui.engine.simulator import Simulator


class Progress:
    """A progress line on stderr: rewritten in place on a terminal, else one every few seconds.
    It shows the share of the simulated period done and the time left at the pace so far, and
    ends with a line at 100 % when the run completes."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.wall0 = time.monotonic()
        self.dirty = False

    @property
    def every(self) -> float:
        return 0.25 if self.tty else 5.0

    def start(self) -> None:
        """The run starts now (after the network is set up): the pace is measured from here."""
        self.wall0 = time.monotonic()

    def __call__(self, sim: Simulator, *, done: bool = False) -> None:
        if self.quiet:
            return
        s = sim.stats
        elapsed = max(1e-9, time.monotonic() - self.wall0)
        share = 1.0 if done else sim.progress
        if done:
            pace = f"done in {format_seconds(elapsed)}"
        elif share >= 0.01:
            pace = f"{format_seconds(elapsed * (1 - share) / share)} left"
        else:
            pace = "time left …"
        line = (
            f"[{format_time(sim.clock.now())} {share:4.0%} {pace}] created {s.created:,}  "
            f"confirmed {s.confirmed:,}  completed {s.completed:,}  failed {s.failed:,}  "
            f"cancelled {s.cancelled:,}  no-shows {s.no_shows:,}  "
            f"{s.events / elapsed:,.0f} events/s"
        )
        if self.tty:
            # One screen line, or the next rewrite leaves the wrapped rest behind.
            width = shutil.get_terminal_size().columns
            if len(line) >= width:
                line = line[: max(0, width - 2)] + "…"
            sys.stderr.write("\r\x1b[2K" + line)
            self.dirty = True
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self.dirty:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self.dirty = False


def format_seconds(seconds: float) -> str:
    """``42s``, ``3m05s``, ``1h02m``."""
    s = int(round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f} %"


def _money(amount: int, currency: str) -> str:
    symbol = {"usd": "$", "eur": "€", "gbp": "£"}.get(currency)
    value = f"{amount / 100:,.2f}"
    return f"{symbol}{value}" if symbol else f"{value} {currency.upper()}"


def format_summary(k: dict[str, Any]) -> str:
    res = k["reservations"]
    by = res["by_status"]
    fr = k["failure_reasons"]
    fees = k["fees_collected"]
    canc = k["cancellations"]
    lines = []
    state = "interrupted" if k["interrupted"] else ("finished" if k["finished"] else "partial")
    lines.append(
        f"Simulation {state}: seed {k['seed']}, {k['simulated_hours']:g} h simulated from "
        f"{format_time(k['start'])}, {k['stations']} stations / {k['evses']} EVSEs"
    )
    lines.append("")
    w = 22
    lines.append(f"{'reservations created':<{w}}{res['created']:>10,}")
    details = {
        "failed": ", ".join(f"{name} {n:,}" for name, n in fr.items()),
        "expired": f"no-shows {k['no_shows']:,}, never confirmed {k['expired_unconfirmed']:,}",
        "cancelled": (
            f"before confirmation {canc['before_confirmation']:,}, after "
            f"{canc['after_confirmation']:,} ({canc['late']:,} late)"
        ),
    }
    for status, n in by.items():
        extra = f"   {details[status]}" if status in details else ""
        lines.append(f"  {status:<{w - 2}}{n:>10,}{extra}")
    lines.append("")
    lines.append(
        f"{'acceptance rate':<{w}}{_pct(k['acceptance_rate']):>10}   "
        f"confirmed / {k['confirmation_decisions']:,} confirmation decisions"
    )
    lines.append(
        f"{'utilisation':<{w}}{_pct(k['utilisation']):>10}   completed session time / EVSE time"
    )
    by_kind = ", ".join(
        f"{kind} {_money(v, fees['currency'])}" for kind, v in fees["by_kind"].items()
    )
    lines.append(
        f"{'fees collected':<{w}}{_money(fees['amount'], fees['currency']):>10}   {by_kind}"
    )
    lines.append(
        f"{'station faults':<{w}}{k['station_faults']:>10,}   "
        f"reservations moved {k['reassigned']:,}, failed {fr['other']:,}; "
        f"repairs {k['repairs']:,}"
    )
    lines.append(
        f"{'transitions':<{w}}{k['events']:>10,}   in {k['wall_seconds']:.2f} s = "
        f"{k['transitions_per_second']:,.0f} /s ({k['ticks']:,} ticks)"
    )
    inv = k.get("invariants")
    if inv is not None:
        if inv["ok"]:
            lines.append(f"{'invariants':<{w}}{'ok':>10}")
        else:
            lines.append(f"{'invariants':<{w}}{'VIOLATED':>10}")
            lines.extend(f"  {v}" for v in inv["violations"])
    return "\n".join(lines) + "\n"
