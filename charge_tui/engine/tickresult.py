"""What one tick of the confirmation engine did, as counts (``charge-tui engine --json`` prints
it; the simulator adds it into its stats)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass
class TickResult:
    """What one tick (or several, added up) did. Counts per outcome."""

    now: int = 0
    confirmed: int = 0
    failed_payment: int = 0
    failed_no_connectors: int = 0
    failed_other: int = 0
    expired: int = 0
    no_shows: int = 0
    reassigned: int = 0
    retried: int = 0
    faults: int = 0
    skipped: int = 0
    conflicts: int = 0
    due: int = 0
    more: bool = False
    seconds: float = 0.0

    @property
    def transitions(self) -> int:
        """Status changes and reassignments made (events appended)."""
        return (
            self.confirmed
            + self.failed_payment
            + self.failed_no_connectors
            + self.failed_other
            + self.expired
            + self.no_shows
            + self.reassigned
        )

    def add(self, other: TickResult) -> None:
        for f in fields(self):
            if f.name == "now":
                self.now = max(self.now, other.now)
            elif f.name == "more":
                self.more = other.more
            else:
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["seconds"] = round(self.seconds, 6)
        d["transitions"] = self.transitions
        return {"object": "engine_tick", **d}
