"""A dispatcher process for the concurrency tests: for a bounded time, creates reservations that are
due at once, and now and then cancels one or confirms one by hand (racing the engines). Prints the
ids it created and what it did as JSON on stdout.

    python -m tests.team.writer URL SECONDS SEED
"""

from __future__ import annotations

import json
import random
import sys
import time

from charge_tui.domain.errors import ChargeError
from charge_tui.service import ReservationService
from charge_tui.store.db import Database

LAT, LON = 37.7749, -122.4194


def main() -> int:
    url, seconds, seed = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    svc = ReservationService(Database(url))  # clock from CHARGE_TUI_NOW
    now = svc.clock.now()
    created: list[str] = []
    outcomes: dict[str, int] = {}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        start = now + rng.randint(5, 40) * 60  # due at once (confirm lead 30 min)
        minutes = rng.choice([20, 30, 45, 60])
        params = {
            "connector_types": rng.choice([["ccs1"], ["j1772"], ["nacs"], ["ccs1", "nacs"]]),
            "driver": f"drv_w{seed}",
            "vehicle": f"veh_w{seed}",
            "preferred_start_time": start,
            "preferred_end_time": start + minutes * 60,
            "latest_end_time": start + minutes * 60 + rng.choice([0, 900, 3600]),
            "service_area": {"latitude": LAT, "longitude": LON, "radius_meters": 3000},
            "payment_method": "pm_card_visa",
        }
        try:
            created.append(svc.create(params, actor="dispatcher").id)
        except ChargeError as exc:
            outcomes[f"create:{exc.code}"] = outcomes.get(f"create:{exc.code}", 0) + 1
        if created and rng.random() < 0.3:
            rid = rng.choice(created)
            action = rng.choice(["cancel", "confirm"])
            try:
                r = svc.retrieve(rid)
                getattr(svc, action)(rid, expected_version=r.version)
                key = f"{action}:ok"
            except ChargeError as exc:
                key = f"{action}:{exc.code}"
            outcomes[key] = outcomes.get(key, 0) + 1
    print(json.dumps({"created": created, "outcomes": outcomes}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
