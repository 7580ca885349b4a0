"""Reading a request body (the JSON object of create parameters) from untrusted bytes or text.

Every problem becomes the error of SPEC §2 (``parameter_invalid``, ``param`` null: the body as a
whole), never a Python exception: bytes that are not UTF-8, a body over :data:`MAX_BODY_BYTES`,
nesting deeper than :data:`MAX_DEPTH` (checked before parsing, so a hostile body cannot exhaust
the parser's recursion), text that is not JSON. An integer literal too long to be a 64-bit integer
is read as a :class:`HugeInteger`, and ``NaN``/``Infinity`` as floats: validation refuses both by
parameter name (Python would refuse to convert an integer of over 4,300 digits at all).
"""

from __future__ import annotations

import json
import re
from typing import Any

from charge_tui.domain.errors import PARAMETER_INVALID, ChargeError
from charge_tui.domain.text import text_problem

MAX_BODY_BYTES = 1 << 20
MAX_DEPTH = 32
#: Longest integer literal read as an int (a 64-bit integer has at most 19 digits and a sign).
_MAX_INT_CHARS = 20

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


class HugeInteger:
    """An integer literal of the body too long for 64 bits (kept as its text)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"{self.text[:12]}…({len(self.text)} digits)"


def _invalid(message: str) -> ChargeError:
    return ChargeError(PARAMETER_INVALID, message, None)


def _parse_int(text: str) -> int | HugeInteger:
    return int(text) if len(text) <= _MAX_INT_CHARS else HugeInteger(text)


def decode(raw: bytes) -> str:
    """UTF-8 bytes (a leading byte-order mark allowed) as text."""
    if len(raw) > MAX_BODY_BYTES:
        raise _invalid(f"The request body is larger than {MAX_BODY_BYTES // 1024} KiB.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = raw[exc.start]
        raise _invalid(
            f"The request body is not UTF-8 text (byte 0x{bad:02x} at offset {exc.start})."
        ) from None


def nesting_depth(text: str, limit: int = MAX_DEPTH) -> int:
    """How deep arrays and objects nest in the JSON ``text`` (strings skipped); stops counting
    once past ``limit``."""
    depth = deepest = 0
    for m in _BRACKET.finditer(_STRING.sub('""', text)):
        if m.group() in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        else:
            depth -= 1
    return deepest


def parse(body: bytes | str) -> Any:
    """The JSON value of ``body``, or the error of SPEC §2 saying why there is none."""
    text = decode(body) if isinstance(body, bytes) else body
    if len(text) > MAX_BODY_BYTES:
        raise _invalid(f"The request body is larger than {MAX_BODY_BYTES // 1024} KiB.")
    if text_problem(text.replace("\x00", "")) is not None:
        # A command-line argument holding bytes that are not UTF-8 arrives as lone surrogates.
        raise _invalid("The request body is not UTF-8 text.")
    if nesting_depth(text) > MAX_DEPTH:
        raise _invalid(f"The request body nests arrays or objects more than {MAX_DEPTH} deep.")
    try:
        return json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise _invalid(
            f"The request body is not valid JSON: {exc.msg} at line {exc.lineno} column "
            f"{exc.colno}."
        ) from None
