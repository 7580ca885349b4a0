"""Validation of create parameters: every rule of SPEC §2.

:func:`validate_create` takes the raw, untrusted parameters (anything ``json.loads`` can return) and
either returns a :class:`CreateParams` or raises the first :class:`ChargeError` found, naming the
parameter in Stripe's bracket notation (``service_area[latitude]``, ``metadata[key]``).

Choices where SPEC §2 is silent (documented in the README):
- ``preferred_start_time`` may lie up to :data:`CLOCK_SKEW` seconds in the past.
- The acceptable window may extend at most :data:`MAX_SLACK` before ``preferred_start_time`` and
  after ``preferred_end_time``, so a window cannot be unbounded.
- Whole-number floats (``1.7e9``) are not integers; ``true``/``false`` are never numbers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from charge_tui.domain.body import MAX_DEPTH, HugeInteger
from charge_tui.domain.enums import ConnectorType
from charge_tui.domain.errors import (
    PARAMETER_INVALID,
    PARAMETER_MISSING,
    PARAMETER_UNKNOWN,
    RESOURCE_MISSING,
    ChargeError,
)
from charge_tui.domain.model import ServiceArea
from charge_tui.domain.text import printable, text_problem

CLOCK_SKEW = 5 * 60
MAX_LEAD = 14 * 24 * 3600
MIN_DURATION = 10 * 60
MAX_DURATION = 12 * 3600
MAX_SLACK = 24 * 3600
MIN_RADIUS = 100
MAX_RADIUS = 100_000
METADATA_MAX_KEYS = 50
METADATA_KEY_MAX = 40
METADATA_VALUE_MAX = 500
IDEMPOTENCY_KEY_MAX = 255
#: Integers are stored as 64-bit signed integers.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

REQUIRED = (
    "connector_types",
    "driver",
    "vehicle",
    "preferred_start_time",
    "preferred_end_time",
    "service_area",
)
OPTIONAL = ("earliest_start_time", "latest_end_time", "metadata", "payment_method")
ALLOWED = frozenset(REQUIRED + OPTIONAL)
AREA_FIELDS = ("latitude", "longitude", "radius_meters")

_ID_BODY = r"[A-Za-z0-9_]{1,64}"
ID_PATTERNS = {
    "driver": re.compile(rf"^drv_{_ID_BODY}$"),
    "vehicle": re.compile(rf"^veh_{_ID_BODY}$"),
    "payment_method": re.compile(rf"^pm_{_ID_BODY}$"),
}
ID_PREFIX = {"driver": "drv_", "vehicle": "veh_", "payment_method": "pm_"}


@dataclass(frozen=True, slots=True)
class CreateParams:
    connector_types: tuple[ConnectorType, ...]
    driver: str
    vehicle: str
    preferred_start_time: int
    preferred_end_time: int
    earliest_start_time: int
    latest_end_time: int
    service_area: ServiceArea
    metadata: dict[str, str]
    payment_method: str | None


def _invalid(param: str, message: str) -> ChargeError:
    return ChargeError(PARAMETER_INVALID, message, param)


def _type_name(value: Any) -> str:
    if isinstance(value, HugeInteger):
        return "an integer beyond 64 bits"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def check_int(param: str, value: Any) -> int:
    """A JSON integer: not a bool, not a float, not a string of digits."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(
            param, f"{param} must be an integer (UNIX seconds), got {_type_name(value)}."
        )
    if not INT64_MIN <= value <= INT64_MAX:
        raise _invalid(param, f"{param} must be an integer within 64 bits, got a larger one.")
    return value


def check_text(param: str, value: str) -> str:
    """A string the store can hold (see :mod:`charge_tui.domain.text`)."""
    problem = text_problem(value)
    if problem is not None:
        raise _invalid(param, f"{param} {problem}.")
    return value


def check_depth(value: Any, limit: int = MAX_DEPTH) -> None:
    """Refuse parameters nested more than ``limit`` deep (before anything walks them
    recursively, such as the idempotency hash)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list | tuple):
            if depth > limit:
                raise ChargeError(
                    PARAMETER_INVALID,
                    f"The parameters nest arrays or objects more than {limit} deep.",
                    None,
                )
            children = item.values() if isinstance(item, dict) else item
            stack.extend((c, depth + 1) for c in children)


def check_number(param: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid(param, f"{param} must be a number, got {_type_name(value)}.")
    try:
        as_float = float(value)
    except OverflowError:
        raise _invalid(param, f"{param} is too large.") from None
    if not math.isfinite(as_float):
        raise _invalid(param, f"{param} must be a finite number.")
    return as_float


def check_id(param: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _invalid(param, f"{param} must be a string, got {_type_name(value)}.")
    if not ID_PATTERNS[param].match(value):
        raise _invalid(
            param,
            f"{param} must be '{ID_PREFIX[param]}' followed by 1-64 characters of "
            f"[A-Za-z0-9_], got {value[:80]!r}.",
        )
    return value


def check_connector_types(value: Any) -> tuple[ConnectorType, ...]:
    param = "connector_types"
    if not isinstance(value, list):
        raise _invalid(
            param, f"{param} must be an array of connector types, got {_type_name(value)}."
        )
    if not value:
        raise _invalid(param, f"{param} must contain at least one connector type.")
    seen: list[ConnectorType] = []
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise _invalid(param, f"{param}[{i}] must be a string, got {_type_name(item)}.")
        try:
            ct = ConnectorType(item)
        except ValueError:
            raise _invalid(
                param,
                f"{param}[{i}] {item[:40]!r} is not a connector type; use one of "
                f"{', '.join(c.value for c in ConnectorType)}.",
            ) from None
        if ct in seen:
            raise _invalid(param, f"{param} lists {item!r} twice.")
        seen.append(ct)
    return tuple(seen)


def check_service_area(value: Any) -> ServiceArea:
    if not isinstance(value, dict):
        raise _invalid(
            "service_area",
            "service_area must be an object with latitude, longitude and radius_meters, "
            f"got {_type_name(value)}.",
        )
    for key in value:
        if key not in AREA_FIELDS:
            name = f"service_area[{printable(str(key))[:80]}]"
            raise ChargeError(PARAMETER_UNKNOWN, f"Received unknown parameter: {name}.", name)
    for key in AREA_FIELDS:
        if key not in value:
            raise ChargeError(
                PARAMETER_MISSING,
                f"Missing required parameter: service_area[{key}].",
                f"service_area[{key}]",
            )
    lat = check_number("service_area[latitude]", value["latitude"])
    if not -90.0 <= lat <= 90.0:
        raise _invalid(
            "service_area[latitude]", "service_area[latitude] must be between -90 and 90."
        )
    lon = check_number("service_area[longitude]", value["longitude"])
    if not -180.0 <= lon <= 180.0:
        raise _invalid(
            "service_area[longitude]", "service_area[longitude] must be between -180 and 180."
        )
    radius_param = "service_area[radius_meters]"
    radius = value["radius_meters"]
    if isinstance(radius, bool) or not isinstance(radius, int):
        raise _invalid(
            radius_param, f"{radius_param} must be an integer, got {_type_name(radius)}."
        )
    if not MIN_RADIUS <= radius <= MAX_RADIUS:
        raise _invalid(
            radius_param, f"{radius_param} must be between {MIN_RADIUS} and {MAX_RADIUS} meters."
        )
    return ServiceArea(latitude=lat, longitude=lon, radius_meters=radius)


def check_metadata(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _invalid(
            "metadata", f"metadata must be an object of strings, got {_type_name(value)}."
        )
    if len(value) > METADATA_MAX_KEYS:
        raise _invalid("metadata", f"metadata can have at most {METADATA_MAX_KEYS} keys.")
    out: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise _invalid("metadata", "metadata keys must be strings.")
        param = f"metadata[{printable(key[:METADATA_KEY_MAX])}]"
        if not key:
            raise _invalid("metadata", "metadata keys must not be empty.")
        if len(key) > METADATA_KEY_MAX:
            raise _invalid(param, f"metadata keys can be at most {METADATA_KEY_MAX} characters.")
        if "[" in key or "]" in key:
            raise _invalid(param, "metadata keys must not contain '[' or ']'.")
        problem = text_problem(key)
        if problem is not None:
            raise _invalid(param, f"The metadata key {problem}.")
        if not isinstance(item, str):
            raise _invalid(param, f"{param} must be a string, got {_type_name(item)}.")
        if len(item) > METADATA_VALUE_MAX:
            raise _invalid(
                param, f"metadata values can be at most {METADATA_VALUE_MAX} characters."
            )
        check_text(param, item)
        out[key] = item
    return out


def check_idempotency_key(key: Any) -> str | None:
    if key is None:
        return None
    if not isinstance(key, str) or not key.strip():
        raise _invalid("idempotency_key", "idempotency_key must be a non-empty string.")
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise _invalid(
            "idempotency_key", f"idempotency_key can be at most {IDEMPOTENCY_KEY_MAX} characters."
        )
    return check_text("idempotency_key", key)


def validate_create(params: Any, now: int) -> CreateParams:
    if not isinstance(params, dict):
        raise ChargeError(
            PARAMETER_INVALID,
            f"The request must be a JSON object of parameters, got {_type_name(params)}.",
            None,
        )
    for key in params:
        if key not in ALLOWED:
            name = printable(str(key))[:80]
            raise ChargeError(PARAMETER_UNKNOWN, f"Received unknown parameter: {name}.", name)
    for key in REQUIRED:
        if key not in params or params[key] is None:
            raise ChargeError(PARAMETER_MISSING, f"Missing required parameter: {key}.", key)

    connector_types = check_connector_types(params["connector_types"])
    driver = check_id("driver", params["driver"])
    vehicle = check_id("vehicle", params["vehicle"])
    payment_method = params.get("payment_method")
    if payment_method is not None:
        payment_method = check_id("payment_method", payment_method)

    start = check_int("preferred_start_time", params["preferred_start_time"])
    end = check_int("preferred_end_time", params["preferred_end_time"])
    earliest = params.get("earliest_start_time")
    earliest = start if earliest is None else check_int("earliest_start_time", earliest)
    latest = params.get("latest_end_time")
    latest = end if latest is None else check_int("latest_end_time", latest)

    if start < now - CLOCK_SKEW:
        raise _invalid("preferred_start_time", "preferred_start_time must not be in the past.")
    if start > now + MAX_LEAD:
        raise _invalid(
            "preferred_start_time", "preferred_start_time can be at most 14 days in the future."
        )
    if end <= start:
        raise _invalid(
            "preferred_end_time", "preferred_end_time must be after preferred_start_time."
        )
    duration = end - start
    if duration < MIN_DURATION:
        raise _invalid("preferred_end_time", "The charging window must last at least 10 minutes.")
    if duration > MAX_DURATION:
        raise _invalid("preferred_end_time", "The charging window can last at most 12 hours.")
    if earliest > start:
        raise _invalid(
            "earliest_start_time", "earliest_start_time must not be after preferred_start_time."
        )
    if start - earliest > MAX_SLACK:
        raise _invalid(
            "earliest_start_time",
            "earliest_start_time can be at most 24 hours before preferred_start_time.",
        )
    if latest < end:
        raise _invalid("latest_end_time", "latest_end_time must not be before preferred_end_time.")
    if latest - end > MAX_SLACK:
        raise _invalid(
            "latest_end_time", "latest_end_time can be at most 24 hours after preferred_end_time."
        )

    service_area = check_service_area(params["service_area"])
    metadata = check_metadata(params.get("metadata"))
    return CreateParams(
        connector_types=connector_types,
        driver=driver,
        vehicle=vehicle,
        preferred_start_time=start,
        preferred_end_time=end,
        earliest_start_time=earliest,
        latest_end_time=latest,
        service_area=service_area,
        metadata=metadata,
        payment_method=payment_method,
    )


def is_lookup_id(value: Any) -> bool:
    """Whether ``value`` can name an object in the store (a string the store could hold): an id
    that cannot is simply not found, instead of reaching the database driver."""
    return isinstance(value, str) and 0 < len(value) <= 255 and text_problem(value) is None


def missing(kind: str, value: Any, param: str) -> ChargeError:
    """``resource_missing`` for an id that names nothing (shown escaped and cut short)."""
    shown = repr(value)[:90]
    return ChargeError(RESOURCE_MISSING, f"No such {kind}: {shown}.", param)
