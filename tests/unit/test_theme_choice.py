"""Which theme a session starts with, and theme files as an operator writes them."""

from __future__ import annotations

from pathlib import Path

import pytest

from fintui.core.theme_choice import choose_theme, colourless, scoped_css
from fintui.tui.preferences import Preferences
from fintui.tui.theme_loader import load_themes, read_theme, themes_dir

SHIPPED = {"fintui-dark", "fintui-light", "trading-floor", "mono"}


def test_the_four_shipped_themes_load_without_errors() -> None:
    found, errors = load_themes([themes_dir()])
    assert errors == []
    assert set(found) == SHIPPED
    assert found["fintui-light"].theme.dark is False
    assert "StatusBar" in found["trading-floor"].css  # the large status line for wall screens
    # Only mono shows no colour at all (NO_COLOR, TERM=dumb).
    assert {name for name, item in found.items() if item.colourless} == {"mono"}


@pytest.mark.parametrize(("env", "expected"), [
    ({"NO_COLOR": "1"}, "mono"),
    ({"NO_COLOR": "yes", "TERM": "xterm-256color"}, "mono"),
    ({"TERM": "dumb"}, "mono"),
    ({"NO_COLOR": ""}, "fintui-dark"),  # no-color.org: set but empty means nothing
    ({"TERM": "xterm-256color"}, "fintui-dark"),
])
def test_no_color_and_dumb_terminals_get_mono(env: dict[str, str], expected: str) -> None:
    assert choose_theme(None, None, "fintui-dark", env, SHIPPED).name == expected


def test_order_of_choice_flag_then_no_color_then_saved_then_config() -> None:
    env = {"NO_COLOR": "1"}
    assert choose_theme("fintui-light", "trading-floor", "fintui-dark", env, SHIPPED).name \
        == "fintui-light"
    assert choose_theme(None, "trading-floor", "fintui-dark", env, SHIPPED).name == "mono"
    assert choose_theme(None, "trading-floor", "fintui-dark", {}, SHIPPED).name \
        == "trading-floor"
    # A saved theme whose file was since removed falls back to the config, quietly.
    assert choose_theme(None, "gone", "fintui-light", {}, SHIPPED).name == "fintui-light"
    assert colourless({"TERM": "linux"}) is None


def test_scoped_css_applies_only_under_its_theme_class() -> None:
    css = scoped_css("trading-floor", "StatusBar { height: 3; }")
    assert css.startswith("App.-theme-trading-floor {")
    assert "StatusBar { height: 3; }" in css


def test_a_user_theme_file_is_loaded_and_replaces_a_shipped_one_of_the_same_name(
        tmp_path: Path) -> None:
    (tmp_path / "desk.toml").write_text('name = "desk"\nprimary = "#123456"\n'
                                        'error = "#FF0000"\n')
    (tmp_path / "desk.tcss").write_text("DataTable { height: 5; }\n")
    (tmp_path / "fintui-dark.toml").write_text('name = "fintui-dark"\nprimary = "#00FF00"\n')
    found, errors = load_themes([themes_dir(), tmp_path])
    assert errors == []
    assert found["desk"].theme.error == "#FF0000"
    assert found["desk"].css == "DataTable { height: 5; }\n"
    assert found["fintui-dark"].theme.primary == "#00FF00"


@pytest.mark.parametrize(("text", "problem"), [
    ('primary = "#fff"\n', "'name' must be"),
    ('name = "x y"\nprimary = "#fff"\n', "'name' must be"),
    ('name = "x"\n', "'primary' colour is required"),
    ('name = "x"\nprimary = "#fff"\nerror = "reddish"\n', "error = 'reddish' is not a colour"),
    ('name = "x"\nprimary = "#fff\n', "Illegal character"),
    ('name = "x"\nprimary = "#fff"\ncolourless = "yes"\n', "'colourless' must be true or"),
])
def test_a_broken_theme_file_is_reported_by_name_and_skipped(tmp_path: Path, text: str,
                                                             problem: str) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=problem):
        read_theme(path)
    found, errors = load_themes([themes_dir(), tmp_path])
    assert set(found) == SHIPPED
    assert len(errors) == 1 and str(path) in errors[0]


def test_the_theme_choice_is_saved_as_toml_and_read_back(tmp_path: Path) -> None:
    prefs = Preferences(tmp_path / "fintui" / "preferences.toml")
    assert prefs.theme() is None
    assert prefs.save_theme("trading-floor")
    assert Preferences(prefs.path).theme() == "trading-floor"
    assert 'theme = "trading-floor"' in prefs.path.read_text()


def test_an_unreadable_preferences_file_is_reported_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "preferences.toml"
    path.write_text("theme = [unterminated\n")
    prefs = Preferences(path)
    assert prefs.theme() is None
    assert str(path) in prefs.error
