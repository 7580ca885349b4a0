"""Create parameters as people type them on a command line.

``-d key=value`` in Stripe's bracket form: ``-d driver=drv_1``, ``-d connector_types[]=ccs2``
(repeat to add more), ``-d 'service_area[latitude]=52.52'``, ``-d 'metadata[fleet]=north'``:
the names the errors use. Values are text; the numbers of ``service_area`` are read as numbers
(anything else is left for validation to name), times as :mod:`charge_tui.domain.timefields`
reads them. The pairs are applied over ``--data`` (JSON, ``@file`` or ``-`` for standard input)
when both are given; with neither, JSON piped on standard input is the body.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from charge_tui.cli.args import UsageError

_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\[\]]*)\])?$")
#: Parameters of the create request whose values are numbers, by their bracket name.
_NUMBERS = {
    "service_area[latitude]": float,
    "service_area[longitude]": float,
    "service_area[radius_meters]": int,
}
_WHERE = "charge-tui reservations create: -d"


def apply_pairs(params: dict[str, Any], pairs: list[str]) -> dict[str, Any]:
    """``params`` with each ``key=value`` of ``pairs`` set in it. A parameter the pairs name
    replaces the one of ``params`` as a whole (``-d connector_types[]=ccs2`` after ``--data``
    with other connector types leaves ``["ccs2"]``)."""
    out = dict(params)
    named: set[str] = set()
    for pair in pairs:
        key, sep, value = pair.partition("=")
        m = _KEY.match(key.strip())
        if not sep or m is None:
            raise UsageError(
                f"{_WHERE} {pair[:60]!r}: write key=value, key[]=value or key[name]=value"
            )
        name, sub = m.group(1), m.group(2)
        first = name not in named
        named.add(name)
        current = None if first else out.get(name)
        if sub is None:
            out[name] = value
        elif sub == "":
            out[name] = [*(current if isinstance(current, list) else []), value]
        else:
            inner = dict(current) if isinstance(current, dict) else {}
            inner[sub] = _number(f"{name}[{sub}]", value)
            out[name] = inner
    return out


def _number(param: str, value: str) -> Any:
    kind = _NUMBERS.get(param)
    if kind is None:
        return value
    try:
        return kind(value.strip())
    except ValueError:
        return value  # validation names the parameter and says what it must be


def read_body(data: str | None, pairs: list[str]) -> Any:
    """The create parameters from ``--data`` (``data``), ``-d`` (``pairs``) and standard input:
    what parses, else the error saying why (a usage error for what cannot be read at all)."""
    from charge_tui.domain.body import MAX_BODY_BYTES
    from charge_tui.domain.body import parse as parse_body
    from charge_tui.domain.errors import PARAMETER_INVALID, ChargeError
    from charge_tui.domain.text import printable

    missing = UsageError(
        "charge-tui reservations create: give the parameters with --data JSON, -d key=value, "
        "or JSON on standard input (see charge-tui reservations create --help)"
    )
    value = data
    if value is None and not pairs:
        if not stdin_is_piped():
            raise missing
        body = read_stdin(MAX_BODY_BYTES)
        if not body.strip():
            raise missing
        return parse_body(body)
    if value is None:
        params: Any = {}
    elif value == "-":
        params = parse_body(read_stdin(MAX_BODY_BYTES))
    elif value.startswith("@"):
        path = value[1:]
        try:
            with open(path, "rb") as f:
                body = f.read(MAX_BODY_BYTES + 1)
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise UsageError(
                f"charge-tui reservations create: --data: cannot read {printable(path)!r}: {reason}"
            ) from None
        params = parse_body(body)
    else:
        params = parse_body(value)
    if pairs:
        if not isinstance(params, dict):
            raise ChargeError(PARAMETER_INVALID, "The parameters must be a JSON object.", None)
        params = apply_pairs(params, pairs)
    return params


def read_stdin(max_bytes: int) -> bytes | str:
    stream = getattr(sys.stdin, "buffer", None)
    return stream.read(max_bytes + 1) if stream is not None else sys.stdin.read()


def stdin_is_piped() -> bool:
    try:
        return sys.stdin is not None and not sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False
