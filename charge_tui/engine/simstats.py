"""What a simulator run counts: per-tick stats, the run's totals, and the KPI summary
``charge-tui simulate`` prints, all from the transitions of committed ticks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any

from charge_tui.domain.enums import EventType, FailureReason, Status
from charge_tui.engine.tickresult import TickResult
from charge_tui.engine.workload import Fate

if TYPE_CHECKING:
    from charge_tui.service import UnitOfWork


@dataclass
class StepStats:
    """What happened during one or more ticks."""

    ticks: int = 0
    created: int = 0
    rejected: int = 0
    confirmed: int = 0
    completed: int = 0
    cancelled: int = 0
    late_cancellations: int = 0
    expired: int = 0
    no_shows: int = 0
    failed_payment: int = 0
    failed_no_connectors: int = 0
    failed_other: int = 0
    reassigned: int = 0
    retried: int = 0
    faults: int = 0
    repairs: int = 0
    events: int = 0
    fees: int = 0
    sim_time: int = 0
    wall_seconds: float = 0.0

    @property
    def failed(self) -> int:
        return self.failed_payment + self.failed_no_connectors + self.failed_other

    def add(self, other: StepStats) -> None:
        for f in fields(self):
            if f.name == "sim_time":
                self.sim_time = max(self.sim_time, other.sim_time)
            else:
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["failed"] = self.failed
        d["wall_seconds"] = round(self.wall_seconds, 6)
        return d


@dataclass
class RunTotals:
    """Totals over the run (what :func:`summary` reports)."""

    stats: StepStats = field(default_factory=StepStats)
    by_status: dict[Status, int] = field(default_factory=lambda: dict.fromkeys(Status, 0))
    cancelled_pending: int = 0
    cancelled_confirmed: int = 0
    expired_pending: int = 0
    decisions_confirmed: int = 0
    decisions_failed: int = 0
    fee_by_kind: dict[str, int] = field(
        default_factory=lambda: {"reservation": 0, "late_cancellation": 0, "no_show": 0}
    )
    delivered_seconds: int = 0
    booked_seconds: int = 0

    def apply(self, local: TickWork, mine: set[str]) -> list[str]:
        """Add a committed tick (``mine``: the run's own reservations, the only ones counted);
        returns the reservations of the run it ended."""
        by_status = self.by_status
        by_status[Status.PENDING] += len(local.created)
        ended = []
        for rid, before, after in local.transitions:
            if rid not in mine:
                continue
            by_status[before] -= 1
            by_status[after] += 1
            if before is Status.PENDING and after is Status.CONFIRMED:
                self.decisions_confirmed += 1
            elif before is Status.PENDING and after is Status.FAILED:
                self.decisions_failed += 1
            if after is Status.CANCELLED:
                if before is Status.PENDING:
                    self.cancelled_pending += 1
                else:
                    self.cancelled_confirmed += 1
            if after is Status.EXPIRED and before is Status.PENDING:
                self.expired_pending += 1
            if after.terminal:
                ended.append(rid)
        for kind, fee in local.fee_kind.items():
            self.fee_by_kind[kind] += fee
        self.delivered_seconds += local.delivered
        return ended


@dataclass
class TickWork:
    """What one tick did, applied to the run only once its transaction committed."""

    stats: StepStats = field(default_factory=StepStats)
    engine: TickResult = field(default_factory=TickResult)
    created: list[tuple[str, Fate]] = field(default_factory=list)
    transitions: list[tuple[str, Status, Status]] = field(default_factory=list)
    arrivals: list[tuple[int, str, int]] = field(default_factory=list)
    faulted: list[tuple[str, int]] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    fee_kind: dict[str, int] = field(
        default_factory=lambda: {"reservation": 0, "late_cancellation": 0, "no_show": 0}
    )
    delivered: int = 0


def account(
    uow: UnitOfWork,
    local: TickWork,
    engine: TickResult,
    fates: dict[str, Fate],
    clip: Callable[[int, int], int],
) -> None:
    """Count one tick's transitions into ``local`` (its stats, fees by kind, delivered seconds)
    and schedule the arrivals of reservations confirmed or moved (``fates``: the run's drivers)."""
    s = local.stats
    s.created = len(local.created)
    s.retried = engine.retried
    s.faults = local.engine.faults
    s.events = len(local.created) + len(uow.transitions)
    created_now = dict(local.created)
    for tr in uow.transitions:
        before, after = tr.before, tr.after
        fee = after.fees_charged - before.fees_charged
        s.fees += fee
        et = tr.event_type
        local.transitions.append((after.id, before.status, after.status))
        if et is EventType.CONFIRMED:
            s.confirmed += 1
            local.fee_kind["reservation"] += fee
        elif et is EventType.REASSIGNED:
            s.reassigned += 1
        elif et is EventType.COMPLETED:
            s.completed += 1
            assert after.scheduled_start_time is not None
            assert after.scheduled_end_time is not None
            local.delivered += clip(after.scheduled_start_time, after.scheduled_end_time)
        elif et is EventType.CANCELLED:
            s.cancelled += 1
            if fee:
                s.late_cancellations += 1
                local.fee_kind["late_cancellation"] += fee
        elif et is EventType.EXPIRED:
            if before.status is Status.CONFIRMED:
                s.no_shows += 1
                local.fee_kind["no_show"] += fee
            else:
                s.expired += 1
        elif et is EventType.FAILED:
            reason = after.failure_reason
            if reason is FailureReason.PAYMENT_FAILED:
                s.failed_payment += 1
            elif reason is FailureReason.NO_AVAILABLE_CONNECTORS:
                s.failed_no_connectors += 1
            else:
                s.failed_other += 1
        if et in (EventType.CONFIRMED, EventType.REASSIGNED):
            fate = created_now.get(after.id) or fates.get(after.id)
            if fate is not None and not fate.no_show:
                assert after.scheduled_start_time is not None
                local.arrivals.append(
                    (
                        after.scheduled_start_time + fate.arrival_offset,
                        after.id,
                        after.scheduled_start_time,
                    )
                )


def summary(
    run: RunTotals,
    *,
    seed: int,
    start: int,
    end: int,
    now: int,
    interrupted: bool,
    stations: int,
    evses: int,
    currency: str,
) -> dict[str, Any]:
    """The KPI summary of a run (``charge-tui simulate``'s output): plain JSON-able dict."""
    s = run.stats
    decisions = run.decisions_confirmed + run.decisions_failed
    evse_seconds = max(1, evses) * max(1, now - start)
    tps = s.events / s.wall_seconds if s.wall_seconds > 0 else 0.0
    return {
        "object": "simulation_summary",
        "seed": seed,
        "start": start,
        "end": end,
        "simulated_until": now,
        "simulated_hours": round((now - start) / 3600, 3),
        "finished": now >= end,
        "interrupted": interrupted,
        "stations": stations,
        "evses": evses,
        "reservations": {
            "created": s.created,
            "rejected": s.rejected,
            "by_status": {st.value: run.by_status[st] for st in Status},
        },
        "failure_reasons": {
            FailureReason.NO_AVAILABLE_CONNECTORS.value: s.failed_no_connectors,
            FailureReason.PAYMENT_FAILED.value: s.failed_payment,
            FailureReason.OTHER.value: s.failed_other,
        },
        "acceptance_rate": round(run.decisions_confirmed / decisions, 4) if decisions else None,
        "confirmation_decisions": decisions,
        "cancellations": {
            "before_confirmation": run.cancelled_pending,
            "after_confirmation": run.cancelled_confirmed,
            "late": s.late_cancellations,
        },
        "no_shows": s.no_shows,
        "expired_unconfirmed": run.expired_pending,
        "reassigned": s.reassigned,
        "station_faults": s.faults,
        "repairs": s.repairs,
        "utilisation": round(run.delivered_seconds / evse_seconds, 4),
        "fees_collected": {
            "amount": s.fees,
            "currency": currency,
            "by_kind": dict(run.fee_by_kind),
        },
        "ticks": s.ticks,
        "events": s.events,
        "wall_seconds": round(s.wall_seconds, 3),
        "transitions_per_second": round(tps, 1),
    }
