"""How the CLI prints: JSON objects on stdout, human lines on stderr."""

from __future__ import annotations

import json
import sys
from typing import Any

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_STORE = 3
EXIT_INTERRUPTED = 130


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def print_line(message: str) -> None:
    sys.stderr.write(f"charge-tui: {message}\n")
    sys.stderr.flush()
