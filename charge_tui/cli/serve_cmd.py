"""``charge-tui serve``: the console in a browser, through textual-serve.

Each browser tab gets its own console process on the same store (``--demo``: its own demo, on a
fresh store). The server listens on 127.0.0.1 unless told otherwise: it has no login of its own,
so anyone who reaches the port can act as a dispatcher. textual-serve (and aiohttp with it) is
the optional extra ``charge-tui[web]``, imported only here, when the server starts.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import socket
import sys

from charge_tui.cli.args import UsageError, int_in
from charge_tui.cli.commands import summary
from charge_tui.cli.helptext import add_command

LOOPBACK_NAMES = ("localhost",)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = add_command(
        subparsers,
        "serve",
        summary("serve"),
        description="Open the printed address in a browser: each tab is a console of its own on "
        "the store, with every key of the terminal. Listens on 127.0.0.1 by default. To reach "
        "it from another machine, forward the port over SSH (ssh -L 8000:127.0.0.1:8000 host) "
        "or put a proxy that asks for a login in front of it: the server has no login of its "
        "own. Needs the extra: pip install 'charge-tui[web]'.",
        examples=[
            "charge-tui serve",
            "charge-tui serve --port 8080 --db team.db",
            "charge-tui serve --demo",
        ],
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine)"
    )
    p.add_argument(
        "--port", type=int_in(1, 65535), default=8000, help="port, 1-65535 (default 8000)"
    )
    p.add_argument(
        "--demo", action="store_true", help="serve the demo: each tab its own simulator and store"
    )
    p.set_defaults(handler=_serve)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def console_command(db: str | None, demo: bool) -> str:
    """The shell command textual-serve runs for each tab."""
    argv = [sys.executable, "-m", "charge_tui"]
    if db:
        argv += ["--db", db]
    argv.append("demo" if demo else "console")
    return shlex.join(argv)


def _check_port(host: str, port: int) -> None:
    """One clear line (exit 2) when the address cannot be listened on, before the server's
    own start (whose error is a traceback)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UsageError(f"charge-tui serve: --host {host}: {exc.strerror}") from None
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(address)
        except OSError as exc:
            raise UsageError(
                f"charge-tui serve: cannot listen on {host}:{port}: {exc.strerror or exc}"
            ) from None


def _serve(args: argparse.Namespace) -> int:
    try:
        from textual_serve.server import Server
    except ImportError:
        raise UsageError(
            "charge-tui serve needs textual-serve: pip install 'charge-tui[web]'"
        ) from None
    from charge_tui.store.location import resolve_url

    _check_port(args.host, args.port)
    db = None if args.demo and not args.db else resolve_url(args.db)
    if not is_loopback(args.host):
        print(
            f"charge-tui: listening on {args.host}, not only this machine: anyone who reaches "
            "the port can act as a dispatcher (the server has no login)",
            file=sys.stderr,
        )
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"charge-tui: serving the console at http://{shown}:{args.port} (Ctrl+C stops)")
    sys.stdout.flush()
    Server(
        console_command(db, args.demo), host=args.host, port=args.port, title="charge-tui"
    ).serve()
    return 0
