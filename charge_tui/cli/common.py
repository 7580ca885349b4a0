"""What several commands share: opening the store and the service."""

from __future__ import annotations

import argparse

from charge_tui.service import ReservationService
from charge_tui.store.db import Database, resolve_url


def open_service(args: argparse.Namespace) -> ReservationService:
    db = Database(resolve_url(args.db))
    return ReservationService(db)
