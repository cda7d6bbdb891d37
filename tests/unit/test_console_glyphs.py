"""Mapping into the Linux console's glyphs: one cell in, one cell out."""

from __future__ import annotations

import pytest

from fintui.core.console_glyphs import (
    CONSOLE_SAFE,
    console_char,
    to_console,
    wants_console_glyphs,
)


def test_cp437_text_passes_unchanged() -> None:
    text = "fix-gateway  • running  √  ▲ 2 critical  │ 37%  ░▒▓█ ┤ ·"
    assert to_console(text) == text


@pytest.mark.parametrize(("char", "expected"), [
    ("●", "•"), ("✓", "√"), ("✗", "x"), ("━", "─"), ("╭", "┌"), ("┏", "┌"),
    ("▁", "_"), ("▇", "█"), ("\u2800", " "), ("\u28ff", "█"), ("\u2801", "∙"),
    ("…", "~"), ("漢", "??"), ("🔥", "??"), ("ζ", "?"),
])
def test_characters_map_to_a_console_glyph_of_the_same_width(char: str, expected: str) -> None:
    assert console_char(char) == expected
    assert all(c in CONSOLE_SAFE for c in expected)


def test_every_box_drawing_and_block_character_maps_into_the_font() -> None:
    for code in [*range(0x2500, 0x25A0), *range(0x2800, 0x2900)]:
        out = console_char(chr(code))
        assert len(out) == 1 and out in CONSOLE_SAFE, hex(code)


@pytest.mark.parametrize(("setting", "term", "expected"), [
    ("auto", "linux", True), ("auto", "linux-16color", True), ("auto", "xterm-256color", False),
    ("auto", "screen-256color", False), ("console", "xterm", True), ("unicode", "linux", False),
])
def test_when_console_glyphs_are_used(setting: str, term: str, expected: bool) -> None:
    assert wants_console_glyphs(setting, term) is expected
