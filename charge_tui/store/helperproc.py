"""Starting a helper process of ours: ``python -m <module>``, talking over pipes."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys

#: How much lower the helpers' scheduling priority is than their starter's (``nice``, within the
#: same session, so that Linux's per-session scheduling groups do not undo it): on a machine with
#: fewer free cores than busy processes, the starter (the simulator's main thread, the one every
#: tick waits for) keeps its core, and the helpers share what is left (docs/performance.md).
HELPER_NICE = 10

#: The directory that holds the ``charge_tui`` package (a checkout or site-packages).
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def start_python(module: str, *args: str, nice: int = 0) -> subprocess.Popen[bytes]:
    """``python -m module args…`` with the same interpreter and this ``charge_tui`` (even when it
    is imported from a checkout that is not installed), its standard input and output pipes.
    Not in the terminal's process group: a Ctrl+C is the caller's to handle (the simulator stops
    after a tick, and the helper finishes what it was given); a helper ends when its pipes
    close."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, env.get("PYTHONPATH")) if p)
    if nice:
        env["CHARGE_TUI_HELPER_NICE"] = str(nice)
    own_group = {"process_group": 0} if os.name == "posix" else {}
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        bufsize=1 << 16,
        **own_group,  # type: ignore[arg-type]
    )


def lower_priority() -> None:
    """In a helper: apply the ``nice`` its starter asked for."""
    n = int(os.environ.get("CHARGE_TUI_HELPER_NICE", "0") or 0)
    if n:
        with contextlib.suppress(OSError, AttributeError):  # (no os.nice on Windows)
            os.nice(n)


def widen_pipe(fd: int, size: int = 1 << 20) -> None:
    """Let the pipe at ``fd`` hold ``size`` bytes (Linux; 64 KiB by default, about one tick of
    requests or a fraction of a tick's writes) so that whoever writes into it can run ahead of its
    reader. Elsewhere, or above the system's limit, the pipe stays as it is."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, size)
    except (ImportError, AttributeError, OSError):
        pass
