"""The ``charge-tui`` command line: one entry point, thin over the service (SPEC §8).

Exit codes: 0 success; 1 an API error (its JSON on stdout, SPEC §2 shape); 2 a usage error;
3 the store is unavailable (one line on stderr); 130 interrupted.
"""

from charge_tui.cli.main import main

__all__ = ["main"]
