"""What a database error means to the caller: a retryable conflict (``ChargeError``) or a store
that cannot be used (``StoreUnavailable``, one line for a human). Keeps the SQLAlchemy and driver
exception types inside ``store/``."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from charge_tui.domain.errors import (
    CONCURRENT_UPDATE,
    SLOT_UNAVAILABLE,
    ChargeError,
    StoreUnavailable,
)
from charge_tui.store.db import describe_db_error
from charge_tui.store.migrations import NO_DOUBLE_BOOKING

#: deadlock_detected, serialization_failure, lock_not_available: a retry can succeed.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001", "55P03"})


@contextlib.contextmanager
def write_errors(url: str) -> Iterator[None]:
    """Around a write transaction: a lost race on PostgreSQL's constraints or a deadlock victim
    becomes a ``ChargeError`` (nothing was written; retry), anything else ``StoreUnavailable``."""
    try:
        yield
    except IntegrityError as exc:
        if NO_DOUBLE_BOOKING in str(exc.orig):
            # The exclusion constraint: another transaction booked an overlapping slot on the
            # same EVSE between our look-up and our commit.
            raise ChargeError(
                SLOT_UNAVAILABLE,
                "Another booking took an overlapping slot on the same EVSE meanwhile; nothing "
                "was written. Try again.",
                "evse",
            ) from None
        if "idempotency_keys" in str(exc.orig):
            raise ChargeError(
                CONCURRENT_UPDATE,
                "A request with the same idempotency key is being processed; retry it.",
                "idempotency_key",
            ) from None
        raise StoreUnavailable(describe_db_error(exc, url)) from exc
    except (OperationalError, DBAPIError, sqlite3.Error) as exc:
        if getattr(getattr(exc, "orig", None), "sqlstate", None) in RETRYABLE_SQLSTATES:
            # PostgreSQL chose this transaction as the victim of a deadlock or a serialisation
            # conflict with a concurrent one: it was rolled back whole.
            raise ChargeError(
                CONCURRENT_UPDATE,
                "This change collided with a concurrent one and was rolled back; nothing was "
                "written. Look again and retry.",
                None,
            ) from None
        raise StoreUnavailable(describe_db_error(exc, url)) from exc


@contextlib.contextmanager
def read_errors(url: str) -> Iterator[None]:
    """Around a read transaction: any database error becomes ``StoreUnavailable``."""
    try:
        yield
    except (OperationalError, DBAPIError, sqlite3.Error) as exc:
        raise StoreUnavailable(describe_db_error(exc, url)) from exc
