"""Exporting reservations: the API object as one JSON line, or as one CSV row.

CSV has one column per API field, the nested objects flattened with a dot
(``service_area.latitude``), ``connector_types`` joined with commas and ``metadata`` as compact
JSON. Text UTF-8 cannot encode (a row written by an older version) is escaped, never an error.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
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
            yield one_line(json_text(reservation_to_api(r))) + "\n"
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


#: Characters that JSON leaves raw inside strings but that readers splitting lines on Unicode
#: line boundaries (Python's ``str.splitlines``) take as line ends.
_LINE_BREAKS = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def one_line(text: str) -> str:
    """JSON text with U+0085, U+2028 and U+2029 escaped (the same value, on one line)."""
    if any(c in text for c in _LINE_BREAKS):
        for raw, escaped in _LINE_BREAKS.items():
            text = text.replace(raw, escaped)
    return text


def format_for(path: Path) -> str | None:
    """The export format a file name asks for (``.csv`` or ``.jsonl``), else None."""
    suffix = path.suffix.lower()
    return {".csv": "csv", ".jsonl": "jsonl"}.get(suffix)


def write_export(
    rows: Iterable[Reservation],
    fmt: str,
    path: Path,
    progress: Callable[[int], None] | None = None,
    every: int = 5_000,
) -> int:
    """Write the export of ``rows`` to ``path``, which must not exist; returns the rows written.

    Written to a hidden ``.partial`` file beside it first, then linked into place (a failure
    leaves no half file, and an existing file is never overwritten: ``FileExistsError``).
    ``progress(n)`` is called every ``every`` rows."""
    if path.exists():
        raise FileExistsError(f"{path} exists")
    partial = path.with_name(f".{path.name}.partial")
    n = 0
    try:
        with open(partial, "w", encoding="utf-8", newline="") as out:
            header = fmt == "csv"
            for line in lines(rows, fmt):
                out.write(line)
                if header:
                    header = False
                    continue
                n += 1
                if progress is not None and n % every == 0:
                    progress(n)
        try:
            os.link(partial, path)  # fails if the file appeared meanwhile
        finally:
            partial.unlink()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return n
