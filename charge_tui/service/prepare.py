"""A new reservation made from a create request, before any transaction: validation, the pending
reservation and its creation event's id, and the digest an idempotency key is held to.

Apart from the unit of work so that the simulator's request process can prepare the next tick's
requests while the current one commits.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from charge_tui.domain import machine
from charge_tui.domain.ids import IdFactory
from charge_tui.domain.model import Pricing, Reservation
from charge_tui.domain.validation import validate_create


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    confirm_lead: int = machine.DEFAULT_CONFIRM_LEAD
    default_pricing: Pricing = Pricing()


#: A new reservation and the id of its creation event, made by :func:`prepare_create`.
Prepared = tuple[Reservation, str]


def request_hash(params: Any) -> str:
    """A digest of the parameters as given (what an idempotency key is held to)."""
    try:
        blob = json.dumps(params, sort_keys=True, separators=(",", ":"), default=repr)
    except (TypeError, ValueError):  # keys of mixed types; an int too long to write out
        blob = repr(params)
    return hashlib.sha256(blob.encode("utf-8", "backslashreplace")).hexdigest()


def prepare_create(params: Any, now: int, ids: IdFactory, config: ServiceConfig) -> Prepared:
    """What :meth:`UnitOfWork.create` makes of ``params`` at ``now``, without a transaction:
    validated (a :class:`ChargeError` if not), the pending reservation and its creation event's
    id (drawn in that order, as ``create`` does). Reads nothing from the store."""
    p = validate_create(params, now)
    r = machine.create(
        p,
        ids.reservation(now),
        now,
        pricing=config.default_pricing,
        confirm_lead=config.confirm_lead,
    )
    return r, ids.event(now)
