"""The configuration file: defaults, one line per thing not taken, the theme written back."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from charge_tui.config import Config, check_names, config_path, load_config, remember_theme


def test_a_missing_file_is_the_defaults(tmp_path):
    config = load_config(tmp_path / "none.toml")
    assert config == Config(path=tmp_path / "none.toml")


def test_good_values_are_taken(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        'theme = "nord"\npoll_interval = 2\nkpi_period = "day"\n[keymap]\n"list.new" = "N,f2"\n'
    )
    c = load_config(path)
    assert (c.theme, c.poll_interval, c.kpi_period, c.keymap, c.problems) == (
        "nord",
        2.0,
        "day",
        {"list.new": "N,f2"},
        (),
    )


def test_each_bad_value_is_one_line_naming_it_and_its_default_applies(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        'theme = 3\npoll_interval = inf\nkpi_period = "week"\ncolour = 1\n'
        '[keymap]\n"list.new" = "not keys!"\n"list.board" = "B"\n'
    )
    c = load_config(path)
    assert (c.theme, c.poll_interval, c.kpi_period, c.keymap) == (
        None,
        1.0,
        "hour",
        {"list.board": "B"},
    )
    assert [line.split(": ")[1] for line in c.problems] == [
        "colour",
        "theme",
        "poll_interval",
        "kpi_period",
        "keymap.list.new",
    ]
    assert all(line.startswith(str(path)) and "\n" not in line for line in c.problems)


def test_a_file_that_is_not_toml_is_one_line_and_all_defaults(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("theme = [")
    c = load_config(path)
    assert len(c.problems) == 1 and "not TOML" in c.problems[0]
    assert (c.theme, c.poll_interval, c.keymap) == (None, 1.0, {})


def test_names_the_console_does_not_have_are_dropped_with_a_line(tmp_path):
    c = Config(theme="nope", keymap={"list.new": "N", "x.y": "z"}, path=tmp_path / "c.toml")
    checked, lines = check_names(c, ["textual-dark"], ["list.new"])
    assert checked.theme is None and checked.keymap == {"list.new": "N"}
    assert len(lines) == 2


def test_remembering_the_theme_changes_only_its_line(tmp_path):
    path = tmp_path / "sub" / "c.toml"
    remember_theme(path, "nord")
    assert path.read_text() == 'theme = "nord"\n'
    path.write_text('# mine\ntheme = "nord"  # old\n[keymap]\n"list.new" = "N"\n')
    remember_theme(path, "gruvbox")
    assert path.read_text() == '# mine\ntheme = "gruvbox"\n[keymap]\n"list.new" = "N"\n'
    path.write_text('[keymap]\ntheme = "x"\n')
    remember_theme(path, "nord")
    assert load_config(path).theme == "nord"
    assert load_config(path).problems == ()


def test_config_path_and_show_on_the_command_line(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('kpi_period = "week"\npoll_interval = 5\n')
    env = {**os.environ, "CHARGE_TUI_CONFIG": str(path)}
    run = [sys.executable, "-m", "charge_tui", "config"]
    out = subprocess.run([*run, "path"], capture_output=True, text=True, env=env)
    assert out.returncode == 0 and out.stdout.strip() == str(path)
    out = subprocess.run([*run, "show"], capture_output=True, text=True, env=env)
    assert out.returncode == 0
    shown = json.loads(out.stdout)
    assert (shown["kpi_period"], shown["poll_interval"], shown["exists"]) == ("hour", 5.0, True)
    assert out.stderr.strip().splitlines() == [
        f"{path}: kpi_period: must be one of hour, shift, day; using 'hour'"
    ]
    assert config_path({"CHARGE_TUI_CONFIG": str(path)}) == path
