"""The one error shape of SPEC §2, used by the library, the CLI and the console."""

from __future__ import annotations

from typing import Any

# Codes named by SPEC §2 plus the few the engine and the store need.
PARAMETER_MISSING = "parameter_missing"
PARAMETER_INVALID = "parameter_invalid"
PARAMETER_UNKNOWN = "parameter_unknown"
RESOURCE_MISSING = "resource_missing"
UNEXPECTED_STATE = "reservation_unexpected_state"
#: Faulting an EVSE that is out of order already, restoring one that is not.
EVSE_UNEXPECTED_STATE = "evse_unexpected_state"
IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
CONCURRENT_UPDATE = "concurrent_update"
NO_AVAILABLE_CONNECTORS = "no_available_connectors"
PAYMENT_FAILED = "payment_failed"
SLOT_UNAVAILABLE = "slot_unavailable"


class ChargeError(Exception):
    """An error a caller can act on; renders as ``{"error": {...}}``."""

    type = "invalid_request_error"

    def __init__(self, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": {
                "type": self.type,
                "code": self.code,
                "param": self.param,
                "message": self.message,
            }
        }

    def __repr__(self) -> str:
        return f"ChargeError({self.code!r}, {self.message!r}, param={self.param!r})"


class ConfigError(Exception):
    """A setting from the environment (or a configuration file) is not valid; the message names
    it, in one line."""


class StoreUnavailable(Exception):  # noqa: N818 - reads better at call sites
    """The database cannot be opened, read or written; the message is for humans, one line."""
