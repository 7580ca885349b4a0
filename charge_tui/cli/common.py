"""What several commands share: opening the store and the service."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from charge_tui.store.location import resolve_url

if TYPE_CHECKING:
    from charge_tui.service import ReservationService


def open_service(args: argparse.Namespace) -> ReservationService:
    """The service on the store ``--db`` names (the store layer is imported here, not when the
    command line is parsed: ``charge-tui`` starts the console without it)."""
    from charge_tui.service import ReservationService
    from charge_tui.store.db import Database

    db = Database(resolve_url(args.db))
    return ReservationService(db)
