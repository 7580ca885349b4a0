"""The ``charge-tui`` command line: one entry point, thin over the service.

Exit codes: 0 success; 1 an API error (its error object as JSON on stdout); 2 a usage error;
3 the store is unavailable (one line on stderr); 130 interrupted.
"""

from charge_tui.cli.main import main

__all__ = ["main"]
