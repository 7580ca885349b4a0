"""The simulator's parameters (and its time format), apart from the simulator itself: the command
line builds its options from these defaults without importing the store layer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from charge_tui.engine.network import DEFAULT_CENTER, DEFAULT_RADIUS_KM
from charge_tui.engine.workload import WorkloadParams

#: Simulated seconds per real second of ``charge-tui demo`` (``+``/``-`` change it while it runs).
DEMO_SPEED = 120.0


@dataclass(frozen=True)
class SimConfig:
    """Every parameter of a run (SPEC §6 defaults)."""

    seed: int = 0
    stations: int = 40
    hours: float = 24.0
    #: Requests per hour, on average over the day (a Poisson process with a daily profile).
    rate: float = WorkloadParams.rate
    #: Simulated start (UNIX seconds); None: ``CHARGE_TUI_NOW`` if set, else today 00:00 UTC.
    start: int | None = None
    tick_seconds: int = 60
    #: Real-time pacing for callers that pace themselves (CLI ``--speed``); None: as fast as
    #: possible. :meth:`Simulator.step` never sleeps.
    speed: float | None = None
    decline_rate: float = 0.025
    declined_card_share: float = 0.006
    cancel_rate: float = WorkloadParams.cancel_rate
    no_show_rate: float = WorkloadParams.no_show_rate
    #: Station faults per EVSE per day, and the median repair time (lognormal).
    fault_rate: float = 0.05
    repair_hours: float = 3.0
    dc_share: float = WorkloadParams.dc_share
    dc_median_minutes: float = WorkloadParams.dc_median_minutes
    ac_median_hours: float = WorkloadParams.ac_median_hours
    max_slack_minutes: float = WorkloadParams.max_slack_minutes
    lead_mix: tuple[float, float, float] = WorkloadParams.lead_mix
    lead_minutes_median: float = WorkloadParams.lead_minutes_median
    lead_hours_median: float = WorkloadParams.lead_hours_median
    lead_days_median: float = WorkloadParams.lead_days_median
    confirm_lead: int = 1800
    retry_seconds: int = 300
    tick_limit: int = 5000
    center: tuple[float, float] = DEFAULT_CENTER
    radius_km: float = DEFAULT_RADIUS_KM
    drivers: int = 0

    def __post_init__(self) -> None:
        checks = [
            (self.stations >= 1, "stations must be at least 1"),
            (self.hours > 0, "hours must be positive"),
            (self.rate >= 0, "rate must not be negative"),
            (self.tick_seconds >= 1, "tick_seconds must be at least 1"),
            (self.speed is None or self.speed > 0, "speed must be positive"),
            (self.fault_rate >= 0, "fault_rate must not be negative"),
            (self.repair_hours > 0, "repair_hours must be positive"),
            (self.dc_median_minutes > 0, "dc_median_minutes must be positive"),
            (self.ac_median_hours > 0, "ac_median_hours must be positive"),
            (0 <= self.max_slack_minutes <= 24 * 60, "max_slack_minutes must be 0-1440"),
            (self.confirm_lead >= 0, "confirm_lead must not be negative"),
            (self.retry_seconds >= 1, "retry_seconds must be at least 1"),
            (self.tick_limit >= 1, "tick_limit must be at least 1"),
            (
                len(self.lead_mix) == 3 and min(self.lead_mix) >= 0 and sum(self.lead_mix) > 0,
                "lead_mix must be three non-negative shares, not all zero",
            ),
            (
                min(self.lead_minutes_median, self.lead_hours_median, self.lead_days_median) > 0,
                "lead medians must be positive",
            ),
        ]
        for name in (
            "decline_rate",
            "declined_card_share",
            "cancel_rate",
            "no_show_rate",
            "dc_share",
        ):
            checks.append((0 <= getattr(self, name) <= 1, f"{name} must be between 0 and 1"))
        for ok, message in checks:
            if not ok:
                raise ValueError(message)

    def workload(self) -> WorkloadParams:
        return WorkloadParams(
            rate=self.rate,
            dc_share=self.dc_share,
            dc_median_minutes=self.dc_median_minutes,
            ac_median_hours=self.ac_median_hours,
            max_slack_minutes=self.max_slack_minutes,
            lead_mix=self.lead_mix,
            lead_minutes_median=self.lead_minutes_median,
            lead_hours_median=self.lead_hours_median,
            lead_days_median=self.lead_days_median,
            cancel_rate=self.cancel_rate,
            no_show_rate=self.no_show_rate,
            declined_card_share=self.declined_card_share,
            drivers=self.drivers,
        )


def format_time(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M") + "Z"
