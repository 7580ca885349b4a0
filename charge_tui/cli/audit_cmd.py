"""``charge-tui audit``: check the store's invariants and report rows that break them."""

from __future__ import annotations

import argparse

from charge_tui.cli.commands import summary
from charge_tui.cli.common import open_service
from charge_tui.cli.helptext import add_command
from charge_tui.cli.output import EXIT_API_ERROR, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(
        subparsers,
        "audit",
        summary("audit"),
        examples=["charge-tui audit", "charge-tui audit | grep '\"ok\"'"],
        description="Read the whole store and report every reservation that breaks an "
        "invariant (two held slots overlapping on one EVSE, an assignment outside the "
        "reservation's window, area or connector types, a failure reason without a failure, "
        "events that disagree with the status) or holds text that is not valid Unicode. "
        "Prints a JSON object; exits 1 when anything is reported. Reads every row: minutes "
        "on a store of millions.",
    )
    p.set_defaults(handler=_audit)


def _audit(args: argparse.Namespace) -> int:
    from charge_tui.store.audit import check_invariants

    svc = open_service(args)
    with svc.reading() as conn:
        lines = check_invariants(conn)
    print_json({"object": "audit", "ok": not lines, "violations": lines})
    return EXIT_API_ERROR if lines else 0
