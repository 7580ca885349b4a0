"""Payments in test mode (SPEC §5): a small authorizer interface and its built-in implementation."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Protocol

#: Test cards that are always declined, and the decline code each gets.
DECLINED_CARDS = {
    "pm_card_declined": "card_declined",
    "pm_card_insufficient_funds": "insufficient_funds",
}


@dataclass(frozen=True, slots=True)
class Authorization:
    approved: bool
    decline_code: str | None = None


class Authorizer(Protocol):
    def authorize(
        self, payment_method: str | None, amount: int, currency: str
    ) -> Authorization: ...


class TestModeAuthorizer:
    """Declines ``pm_card_declined`` and ``pm_card_insufficient_funds`` always; a reservation with no
    payment method cannot be charged and is declined too; with ``decline_rate`` > 0 (the
    simulator) other methods are declined at that rate, drawn from ``rng``."""

    __test__ = False  # not a pytest class

    def __init__(self, decline_rate: float = 0.0, rng: random.Random | None = None) -> None:
        self.decline_rate = decline_rate
        self.rng = rng or random.Random(0)

    def authorize(self, payment_method: str | None, amount: int, currency: str) -> Authorization:
        if payment_method is None:
            return Authorization(False, "payment_method_missing")
        code = DECLINED_CARDS.get(payment_method)
        if code is not None:
            return Authorization(False, code)
        if self.decline_rate > 0 and self.rng.random() < self.decline_rate:
            return Authorization(False, "card_declined")
        return Authorization(True)
