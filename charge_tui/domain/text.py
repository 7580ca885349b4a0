"""Text the store may hold, and text shown back to people.

Everything a reservation stores as text (ids, metadata keys and values, idempotency keys) must be
valid Unicode that UTF-8 can encode: no lone surrogates (what Python makes of bytes that are not
UTF-8, or what a JSON ``"\\ud800"`` escape decodes to) and no NUL characters (which PostgreSQL's
text type refuses). :func:`text_problem` says what is wrong with a string, for validation.

:func:`printable` is for output: a row written by an older version may still hold such text, and
showing it must never fail, so what UTF-8 cannot encode is shown as a ``\\udXXX`` escape
(:func:`printable`), or written as JSON's own escape (:func:`json_text`).
"""

from __future__ import annotations

import json
from typing import Any


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None when it can."""
    if value.isascii():
        return "must not contain NUL characters" if "\x00" in value else None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode text (it holds a lone surrogate, e.g. from bytes that are not UTF-8)"
    return "must not contain NUL characters" if "\x00" in value else None


def encodable(value: str) -> bool:
    """Whether UTF-8 can encode ``value`` (it holds no lone surrogate)."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable(value: str) -> str:
    """``value`` with anything UTF-8 cannot encode written as a backslash escape."""
    if encodable(value):
        return value
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def printable_tree(value: object) -> object:
    """:func:`printable` applied to every string (and key) of a JSON-like value."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {printable_tree(k): printable_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [printable_tree(v) for v in value]
    return value


def json_text(obj: Any, *, indent: int | None = None) -> str:
    """``obj`` as JSON that any UTF-8 output can take: non-ASCII text as is, unless something in
    it cannot be encoded, in which case the whole object is written with ``\\uXXXX`` escapes (the
    same value, read back)."""
    separators = None if indent else (",", ":")
    text = json.dumps(obj, indent=indent, separators=separators, ensure_ascii=False)
    if not encodable(text):
        text = json.dumps(obj, indent=indent, separators=separators)
    return text
