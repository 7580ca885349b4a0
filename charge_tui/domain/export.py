"""Exporting reservations: the API object as one JSON line, or as one CSV row.

CSV has one column per API field, the nested objects flattened with a dot
(``service_area.latitude``), ``connector_types`` joined with commas and ``metadata`` as compact
JSON. Text UTF-8 cannot encode (a row written by an older version) is escaped, never an error.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from charge_tui.domain.api import API_FIELDS, reservation_to_api
from charge_tui.domain.model import Reservation
from charge_tui.domain.text import json_text, printable, printable_tree

FORMATS = ("csv", "jsonl")

_NESTED = {
    "service_area": ("latitude", "longitude", "radius_meters"),
    "cancellation_policy": (
        "free_cancellation_until",
        "late_cancellation_fee",
        "no_show_fee",
        "grace_period_seconds",
    ),
}

#: The CSV header.
CSV_COLUMNS: tuple[str, ...] = tuple(
    c
    for name in API_FIELDS
    for c in ([f"{name}.{part}" for part in _NESTED[name]] if name in _NESTED else [name])
)


def csv_row(api: dict[str, Any]) -> list[Any]:
    """The CSV cells of one API object, in :data:`CSV_COLUMNS` order."""
    out: list[Any] = []
    for name in API_FIELDS:
        value = api[name]
        if name in _NESTED:
            out.extend(value[part] for part in _NESTED[name])
        elif name == "connector_types":
            out.append(",".join(value))
        elif name == "metadata":
            out.append(json_text(printable_tree(value)) if value else "")
        elif isinstance(value, str):
            out.append(printable(value))
        else:
            out.append("" if value is None else value)
    return out


def lines(rows: Iterable[Reservation], fmt: str) -> Iterator[str]:
    """The export of ``rows`` as text lines (each ending in a newline): a CSV header then one row
    each, or one JSON object each."""
    if fmt == "jsonl":
        for r in rows:
            yield json_text(reservation_to_api(r)) + "\n"
        return
    if fmt != "csv":
        raise ValueError(f"unknown export format {fmt!r}")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    yield buf.getvalue()
    for r in rows:
        buf.seek(0)
        buf.truncate()
        writer.writerow(csv_row(reservation_to_api(r)))
        yield buf.getvalue()
