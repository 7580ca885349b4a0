"""The service a deterministic simulator run plays on: a simulated clock, test-mode payments and
ids drawn from the seed."""

from __future__ import annotations

import random
import time
from dataclasses import replace

from charge_tui.domain.clock import SimulatedClock, env_now
from charge_tui.domain.ids import IdFactory
from charge_tui.domain.payments import TestModeAuthorizer
from charge_tui.engine.simconfig import SimConfig
from charge_tui.service import ReservationService, ServiceConfig
from charge_tui.store.db import Database


def default_start(environ: dict[str, str] | None = None) -> int:
    """``CHARGE_TUI_NOW`` if set, else the start of today (UTC): the same seed gives the same run
    on any day, shifted in time."""
    at = env_now(environ)
    return at if at is not None else int(time.time()) // 86400 * 86400


def simulation_service(
    db: Database, config: SimConfig, *, base: ServiceConfig | None = None
) -> ReservationService:
    """A service for a deterministic run: simulated clock at the configured start, test-mode
    payments declining at ``decline_rate``, ids from the seed."""
    start = config.start if config.start is not None else default_start()
    base = base or ServiceConfig()
    return ReservationService(
        db,
        clock=SimulatedClock(start),
        authorizer=TestModeAuthorizer(
            config.decline_rate, random.Random(f"sim:{config.seed}:payments")
        ),
        ids=IdFactory(random.Random(f"sim:{config.seed}:ids")),
        config=replace(base, confirm_lead=config.confirm_lead),
    )
