"""How the CLI prints: JSON objects on stdout, human lines on stderr.

Output never fails on the text it shows: a row written by an older version may hold text UTF-8
cannot encode (a lone surrogate), and JSON is then written with ``\\uXXXX`` escapes (still valid
JSON, and the same value), a line with backslash escapes.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from charge_tui.domain.text import json_text, printable

EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_STORE = 3
#: An unexpected error (a bug): one line on stderr and a report file.
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130


def print_json(obj: Any, *, indent: int | None = 2) -> None:
    text = json_text(obj, indent=indent)
    try:
        sys.stdout.write(text + "\n")
    except UnicodeEncodeError:  # an output encoding narrower than UTF-8
        sys.stdout.write(json.dumps(obj, indent=indent) + "\n")
    sys.stdout.flush()


def print_line(message: str) -> None:
    sys.stderr.write(f"charge-tui: {printable(message)}\n")
    sys.stderr.flush()
