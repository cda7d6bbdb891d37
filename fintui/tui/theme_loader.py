"""Loads theme files (TOML colours plus an optional .tcss of the same name) from the shipped
themes/ folder and from $XDG_CONFIG_HOME/fintui/themes/, into Textual themes."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from textual.color import Color, ColorParseError
from textual.theme import Theme

from fintui.core.theme_choice import THEME_NAME
from fintui.tui.preferences import config_home

_FIELDS = ("primary", "secondary", "warning", "error", "success", "accent", "foreground",
           "background", "surface", "panel", "boost")


@dataclass(frozen=True, slots=True)
class ThemeFile:
    theme: Theme
    css: str  # the theme's own rules (unscoped), "" when it has none
    path: Path
    colourless: bool = False  # `colourless = true`: the console shows no colour at all


def themes_dir() -> Path:
    packaged = resources.files("fintui").joinpath("_data/themes")
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent.parent / "themes"


def user_themes_dir() -> Path:
    return config_home() / "themes"


def read_theme(path: Path) -> ThemeFile:
    """One theme file; ValueError says what is wrong with it, naming the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    name = data.get("name")
    if not isinstance(name, str) or not THEME_NAME.match(name):
        raise ValueError(f"{path}: 'name' must be letters, digits, '-' or '_'")
    if "primary" not in data:
        raise ValueError(f"{path}: 'primary' colour is required")
    colours: dict[str, str | None] = {}
    for key in _FIELDS:
        value = data.get(key)
        if value is not None:
            try:
                Color.parse(str(value))
            except ColorParseError:
                raise ValueError(f"{path}: {key} = {value!r} is not a colour") from None
        colours[key] = None if value is None else str(value)
    colourless = data.get("colourless", False)
    if not isinstance(colourless, bool):
        raise ValueError(f"{path}: 'colourless' must be true or false")
    css_path = path.with_suffix(".tcss")
    try:
        css = css_path.read_text(encoding="utf-8") if css_path.is_file() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{css_path}: {exc}") from None
    theme = Theme(name=name, dark=bool(data.get("dark", True)), primary=str(colours["primary"]),
                  secondary=colours["secondary"], warning=colours["warning"],
                  error=colours["error"], success=colours["success"],
                  accent=colours["accent"], foreground=colours["foreground"],
                  background=colours["background"], surface=colours["surface"],
                  panel=colours["panel"], boost=colours["boost"])
    return ThemeFile(theme, css, path, colourless)


def load_themes(folders: list[Path] | None = None) -> tuple[dict[str, ThemeFile], list[str]]:
    """Every theme by name (a user's file of the same name replaces the shipped one), and a
    line for each file that could not be used: one bad file never stops the console."""
    found: dict[str, ThemeFile] = {}
    errors: list[str] = []
    for folder in folders if folders is not None else [themes_dir(), user_themes_dir()]:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                item = read_theme(path)
            except ValueError as exc:
                errors.append(str(exc))
                continue
            found[item.theme.name] = item
    return found, errors


def stylesheet_path() -> Path:
    return themes_dir() / "fintui.tcss"
