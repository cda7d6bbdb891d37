"""Which theme a session starts with, and how a theme's own stylesheet is scoped. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

MONO = "mono"
THEME_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


@dataclass(frozen=True, slots=True)
class ThemeChoice:
    name: str
    reason: str  # said in `fintui --help`-style words when the operator asks why


def colourless(env: Mapping[str, str]) -> str | None:
    """Why this terminal should get no colour, or None. NO_COLOR counts when set and not
    empty (no-color.org); TERM=dumb terminals cannot show colour at all."""
    if env.get("NO_COLOR", ""):
        return "NO_COLOR is set"
    if env.get("TERM", "") == "dumb":
        return "TERM=dumb"
    return None


def choose_theme(cli: str | None, saved: str | None, configured: str,
                 env: Mapping[str, str], available: set[str]) -> ThemeChoice:
    """--theme for this run wins (no-color.org lets a command-line flag override NO_COLOR);
    then a colourless terminal gets mono; then the theme last picked in the console; then
    the config. A saved name whose theme file has since gone is skipped, not an error."""
    if cli:
        return ThemeChoice(cli, "--theme")
    why = colourless(env)
    if why and MONO in available:
        return ThemeChoice(MONO, why)
    if saved and saved in available:
        return ThemeChoice(saved, "chosen in the console earlier")
    return ThemeChoice(configured, "ui.theme in the config")


def scoped_css(theme: str, css: str) -> str:
    """A theme's .tcss rules, nested under the class Textual puts on the app while that
    theme is active, so switching themes switches the rules too."""
    return f"App.-theme-{theme} {{\n{css}\n}}\n"
