"""The console's configuration file: a small TOML file in the user config directory.

Where: ``CHARGE_TUI_CONFIG`` if set, else ``config.toml`` in platformdirs' config directory
(``charge-tui config path`` prints it). What it holds (every key optional)::

    theme = "textual-light"      # any theme the palette lists; remembered when one is picked
    poll_interval = 1.0          # seconds between looks at the store, 0.2-60
    kpi_period = "hour"          # the KPI strip's period at start: hour, shift or day

    [keymap]                     # binding id = keys (docs/configuration.md lists the ids)
    "list.new" = "N"

A file that is missing is no error. A file that is not TOML, or a key or value that is not
valid, is one line each (``problems``), and the default applies: the console still starts.
Themes and binding ids are checked by the console, which knows them (:func:`check_names`).
No Textual here: the command line reads this before it imports the console.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

ENV_CONFIG = "CHARGE_TUI_CONFIG"
KPI_PERIODS = ("hour", "shift", "day")
POLL_MIN, POLL_MAX = 0.2, 60.0
KNOWN_KEYS = ("theme", "poll_interval", "kpi_period", "keymap")


@dataclass(frozen=True)
class Config:
    theme: str | None = None
    poll_interval: float = 1.0
    kpi_period: str = "hour"
    keymap: dict[str, str] = field(default_factory=dict)
    #: The file read (or that would be), and one line per thing in it that was not taken.
    path: Path | None = None
    problems: tuple[str, ...] = ()


def config_path(environ: dict[str, str] | None = None) -> Path:
    env = (environ if environ is not None else os.environ).get(ENV_CONFIG, "").strip()
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_path

    return user_config_path("charge-tui", appauthor=False) / "config.toml"


def load_config(path: Path | None = None) -> Config:
    """The configuration at ``path`` (default :func:`config_path`), defaults where it says
    nothing or says something that is not valid."""
    path = path or config_path()
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(path=path)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return Config(path=path, problems=(f"{where}: cannot read it ({reason}); defaults apply",))
    import tomllib  # (only when there is a file: the console's start does not pay for it)

    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Config(path=path, problems=(f"{where}: not TOML ({exc}); defaults apply",))
    problems: list[str] = []
    out = Config(path=path)

    def bad(key: str, why: str, default: object) -> None:
        shown = "the default" if default is None else repr(default)
        problems.append(f"{where}: {key}: {why}; using {shown}")

    for key in raw:
        if key not in KNOWN_KEYS:
            problems.append(
                f"{where}: {key}: not a setting (known: {', '.join(KNOWN_KEYS)}); ignored"
            )
    theme = raw.get("theme")
    if theme is not None:
        if isinstance(theme, str) and theme.strip():
            out = replace(out, theme=theme.strip())
        else:
            bad("theme", "must be a theme's name", None)
    poll = raw.get("poll_interval")
    if poll is not None:
        if (
            isinstance(poll, int | float)
            and not isinstance(poll, bool)
            and math.isfinite(poll)
            and POLL_MIN <= poll <= POLL_MAX
        ):
            out = replace(out, poll_interval=float(poll))
        else:
            bad("poll_interval", f"must be seconds from {POLL_MIN:g} to {POLL_MAX:g}", 1.0)
    period = raw.get("kpi_period")
    if period is not None:
        if period in KPI_PERIODS:
            out = replace(out, kpi_period=period)
        else:
            bad("kpi_period", f"must be one of {', '.join(KPI_PERIODS)}", "hour")
    keymap = raw.get("keymap")
    if keymap is not None:
        if not isinstance(keymap, dict):
            problems.append(f"{where}: keymap: must be a table of binding id = keys; ignored")
        else:
            taken: dict[str, str] = {}
            for bid, keys in keymap.items():
                if isinstance(keys, str) and KEYS_RE.fullmatch(keys):
                    taken[bid] = keys
                else:
                    problems.append(
                        f'{where}: keymap.{bid}: must be keys like "N" or "ctrl+n,f2"; '
                        "its default applies"
                    )
            out = replace(out, keymap=taken)
    return replace(out, problems=tuple(problems))


#: Keys as Textual names them, comma-separated: ``n``, ``N``, ``ctrl+n``, ``f2,question_mark``.
KEYS_RE = re.compile(r"[A-Za-z0-9_+-]{1,40}(,[A-Za-z0-9_+-]{1,40}){0,5}")


def check_names(
    config: Config, themes: Iterable[str], binding_ids: Iterable[str]
) -> tuple[Config, list[str]]:
    """``config`` without a theme or binding ids the console does not have, and a line for
    each one dropped."""
    where = str(config.path)
    lines: list[str] = []
    theme = config.theme
    themes = set(themes)
    if theme is not None and theme not in themes:
        lines.append(f"{where}: theme: no theme named {theme!r}; using the default")
        theme = None
    ids = set(binding_ids)
    keymap = {}
    for bid, keys in config.keymap.items():
        if bid in ids:
            keymap[bid] = keys
        else:
            lines.append(f"{where}: keymap.{bid}: no binding has this id; ignored")
    return replace(config, theme=theme, keymap=keymap), lines


def remember_theme(path: Path, theme: str) -> None:
    """Write ``theme`` into the file at ``path``: only its ``theme =`` line changes (comments and
    everything else are kept); the line is added at the top when there is none."""
    line = f"theme = {_toml_string(theme)}\n"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    lines = text.splitlines(keepends=True)
    for i, old in enumerate(lines):
        if old.lstrip().startswith("["):
            lines.insert(0, line)  # a table starts: top-level keys come before it
            break
        if re.match(r"\s*theme\s*=", old):
            lines[i] = line
            break
    else:
        lines.insert(0, line)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    tmp.write_text("".join(lines), encoding="utf-8")
    tmp.replace(path)


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
