"""The closed vocabularies of SPEC §2-§4."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"
    EXPIRED = "expired"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL


TERMINAL = frozenset({Status.COMPLETED, Status.CANCELLED, Status.FAILED, Status.EXPIRED})
#: Statuses that hold a slot on an EVSE (invariant 1 and 2 of SPEC §3).
SLOT_HOLDING = frozenset({Status.CONFIRMED, Status.COMPLETED})


class FailureReason(StrEnum):
    NO_AVAILABLE_CONNECTORS = "no_available_connectors"
    PAYMENT_FAILED = "payment_failed"
    OTHER = "other"


class ConnectorType(StrEnum):
    J1772 = "j1772"
    TYPE2 = "type2"
    CCS1 = "ccs1"
    CCS2 = "ccs2"
    CHADEMO = "chademo"
    NACS = "nacs"
    GBT_AC = "gbt_ac"
    GBT_DC = "gbt_dc"

    @property
    def ocpi(self) -> str:
        return OCPI_STANDARD[self]

    @property
    def is_dc(self) -> bool:
        return self in DC_TYPES


OCPI_STANDARD: dict[ConnectorType, str] = {
    ConnectorType.J1772: "IEC_62196_T1",
    ConnectorType.TYPE2: "IEC_62196_T2",
    ConnectorType.CCS1: "IEC_62196_T1_COMBO",
    ConnectorType.CCS2: "IEC_62196_T2_COMBO",
    ConnectorType.CHADEMO: "CHADEMO",
    ConnectorType.NACS: "SAE_J3400",
    ConnectorType.GBT_AC: "GBT_AC",
    ConnectorType.GBT_DC: "GBT_DC",
}

DC_TYPES = frozenset(
    {
        ConnectorType.CCS1,
        ConnectorType.CCS2,
        ConnectorType.CHADEMO,
        ConnectorType.GBT_DC,
        ConnectorType.NACS,
    }
)


class EvseStatus(StrEnum):
    AVAILABLE = "available"
    OUT_OF_ORDER = "out_of_order"


class Action(StrEnum):
    """What can be done to a reservation; each maps onto rows of SPEC §3."""

    CONFIRM = "confirm"
    CANCEL = "cancel"
    COMPLETE = "complete"
    EXPIRE = "expire"
    FAIL = "fail"
    REASSIGN = "reassign"


class EventType(StrEnum):
    CREATED = "reservation.created"
    CONFIRMED = "reservation.confirmed"
    CANCELLED = "reservation.cancelled"
    COMPLETED = "reservation.completed"
    EXPIRED = "reservation.expired"
    FAILED = "reservation.failed"
    REASSIGNED = "reservation.reassigned"
