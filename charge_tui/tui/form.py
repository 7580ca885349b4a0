"""The create form's logic, without widgets: from typed text to create parameters, and from
errors (the domain's own validation, the same as the CLI's) to the field that shows them."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from charge_tui.domain.errors import ChargeError
from charge_tui.domain.timefields import parse_field
from charge_tui.domain.timeparse import local_zone
from charge_tui.domain.validation import (
    check_connector_types,
    check_id,
    check_idempotency_key,
    check_metadata,
    check_service_area,
    validate_create,
)
from charge_tui.tui.views import format_relative

#: Form fields (widget ids) in the order they appear.
FIELDS = (
    "driver",
    "vehicle",
    "connector_types",
    "preferred_start",
    "preferred_end",
    "earliest_start",
    "latest_end",
    "latitude",
    "longitude",
    "radius",
    "payment_method",
    "metadata",
    "idempotency_key",
)

TIME_FIELDS = {
    "preferred_start": "preferred_start_time",
    "preferred_end": "preferred_end_time",
    "earliest_start": "earliest_start_time",
    "latest_end": "latest_end_time",
}
REQUIRED_TEXT = ("driver", "vehicle", "preferred_start", "preferred_end")
AREA_FIELDS = {"latitude": "latitude", "longitude": "longitude", "radius": "radius_meters"}

#: API parameter -> form field.
PARAM_FIELD = {
    "driver": "driver",
    "vehicle": "vehicle",
    "connector_types": "connector_types",
    "payment_method": "payment_method",
    "metadata": "metadata",
    "idempotency_key": "idempotency_key",
    "service_area": "latitude",
    **{param: f for f, param in TIME_FIELDS.items()},
    **{f"service_area[{param}]": f for f, param in AREA_FIELDS.items()},
}


def field_for_param(param: str | None) -> str | None:
    """The form field that shows an error about ``param`` (``metadata[k]`` -> ``metadata``)."""
    if param is None:
        return None
    if param in PARAM_FIELD:
        return PARAM_FIELD[param]
    if param.startswith("metadata["):
        return "metadata"
    if param.startswith("connector_types["):
        return "connector_types"
    if param.startswith("service_area["):
        return "latitude"
    return None


@dataclass(frozen=True, slots=True)
class FormValues:
    """What the user typed and picked."""

    text: Mapping[str, str]
    connector_types: Sequence[str] = ()

    def get(self, name: str) -> str:
        return (self.text.get(name) or "").strip()


@dataclass(slots=True)
class FormResult:
    params: dict[str, Any] = field(default_factory=dict)
    idempotency_key: str | None = None
    #: field -> message
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


NOT_A_TIME = "Not a time: type a date (2026-11-25 18:00), an offset (+2h, +1d) or start+45m."


def read_times(
    values: FormValues, now: int, zone: tzinfo | None = None
) -> tuple[dict[str, int], dict[str, str]]:
    """The time fields as UNIX seconds, and the message of each that cannot be read. Later
    fields may be relative to earlier ones (``start+45m``): the rule of
    :mod:`charge_tui.domain.timefields`, the same as the command line's."""
    times: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, param in TIME_FIELDS.items():
        text = values.get(name)
        if not text:
            continue
        try:
            times[param] = parse_field(param, text, now, zone, times)
        except ChargeError as exc:
            message = exc.message.removeprefix(f"{param}: ")
            errors[name] = NOT_A_TIME if message.startswith("cannot read") else message
    return times, errors


def describe_time(
    name: str, values: FormValues, now: int, zone: tzinfo | None = None
) -> tuple[bool, str]:
    """The echo under the time field ``name``: the time it reads as, in local time, or why it
    cannot."""
    if not values.get(name):
        return True, ""
    zone = zone or local_zone()
    times, errors = read_times(values, now, zone)
    if name in errors:
        return False, errors[name]
    ts = times[TIME_FIELDS[name]]
    shown = datetime.fromtimestamp(ts, zone).strftime("%a %Y-%m-%d %H:%M %Z").strip()
    return True, f"→ {shown} ({format_relative(ts, now)})"


def parse_metadata(text: str) -> tuple[dict[str, str], str | None]:
    """``key=value`` lines (blank lines and ``#`` comments ignored) -> dict, or an error."""
    out: dict[str, str] = {}
    lines: dict[str, int] = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            return out, f"line {n}: write key=value"
        key, _, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not key:
            return out, f"line {n}: the key is empty"
        if key in lines:
            return out, f"line {n}: key {key!r} already set on line {lines[key]}"
        lines[key] = n
        out[key] = value
    return out, None


def _check(errors: dict[str, str], name: str, fn: Callable[[], Any]) -> None:
    if name in errors:
        return
    try:
        fn()
    except ChargeError as exc:
        errors[field_for_param(exc.param) or name] = exc.message


def build(values: FormValues, now: int, zone: tzinfo | None = None) -> FormResult:
    """Create parameters from the form; every field's errors at once.

    Reading the text (times, numbers, ``key=value`` lines) is the form's job; every rule of SPEC
    §2 is checked by the domain's validation functions — each field on its own first, so that all
    fields show their errors together, then :func:`validate_create` for the rules between fields
    (the service runs it again when saving)."""
    zone = zone or local_zone()
    res = FormResult()
    params = res.params
    errors = res.errors

    for name in ("driver", "vehicle", "payment_method"):
        if values.get(name):
            params[name] = values.get(name)
    if values.connector_types:
        params["connector_types"] = list(values.connector_types)

    times, time_errors = read_times(values, now, zone)
    params.update(times)
    errors.update(time_errors)

    area: dict[str, Any] = {}
    for name, key in AREA_FIELDS.items():
        text = values.get(name)
        if not text:
            errors[name] = "Required."
            continue
        try:
            number = float(text)
        except ValueError:
            errors[name] = (
                "Must be a number." if key != "radius_meters" else "Must be a number (m)."
            )
            continue
        if key == "radius_meters":
            if not math.isfinite(number) or number != int(number):
                errors[name] = "Must be a whole number of meters."
                continue
            area[key] = int(number)
        else:
            area[key] = number
    if len(area) == len(AREA_FIELDS):
        params["service_area"] = area

    meta, meta_error = parse_metadata(values.text.get("metadata") or "")
    if meta_error:
        errors["metadata"] = meta_error
    elif meta:
        params["metadata"] = meta

    key = values.get("idempotency_key") or None
    res.idempotency_key = key

    for name in REQUIRED_TEXT:
        if not values.get(name) and name not in errors:
            errors[name] = "Required."
    if not values.connector_types:
        errors["connector_types"] = "Pick at least one connector type."

    # The domain's checks, field by field.
    for name in ("driver", "vehicle", "payment_method"):
        if name in params:
            _check(errors, name, lambda n=name: check_id(n, params[n]))
    if "connector_types" in params:
        _check(errors, "connector_types", lambda: check_connector_types(params["connector_types"]))
    if "service_area" in params:
        _check(errors, "latitude", lambda: check_service_area(params["service_area"]))
    if "metadata" in params:
        _check(errors, "metadata", lambda: check_metadata(params["metadata"]))
    if key is not None:
        _check(errors, "idempotency_key", lambda: check_idempotency_key(key))

    # Then the rules between fields, as the service will check them.
    if not errors:
        try:
            validate_create(params, now)
        except ChargeError as exc:
            errors[field_for_param(exc.param) or "form"] = exc.message
    return res
