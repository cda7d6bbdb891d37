"""The Linux text console draws from a 256-glyph font (CP437's repertoire): braille, rounded
corners, heavy lines and most symbols are not in it. Under TERM=linux every character on
screen is mapped into that repertoire, keeping one cell per character so columns stay put.
Pure."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# CP437's printable set, plus the glyphs the console font shows for codes 1-31 and 127.
_LOW = "☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼⌂"
CONSOLE_SAFE = frozenset(bytes(range(32, 127)).decode("ascii")
                         + bytes(range(128, 256)).decode("cp437") + _LOW)

_CHOSEN = {
    # States and marks fintui draws: each keeps its word beside it, so a near symbol will do.
    "●": "•", "◌": "∙", "✓": "√", "✔": "√", "✗": "x", "✕": "x", "✘": "x", "⊘": "!",
    "↻": "~", "‖": "║", "▾": "▼", "▴": "▲", "▸": "►", "◂": "◄", "…": "~", "⏎": "¬",
    "━": "─", "┃": "│", "╸": "─", "╺": "─", "╹": "│", "╻": "│", "╼": "─", "╾": "─",
    "╭": "┌", "╮": "┐", "╰": "└", "╯": "┘", "⎯": "─",
    # Partial blocks (sparklines, scroll bars) to the nearest block the font has.
    "▁": "_", "▂": "▄", "▃": "▄", "▅": "▄", "▆": "█", "▇": "█", "▔": "▀",
    "▏": "│", "▎": "▌", "▍": "▌", "▋": "▌", "▊": "█", "▉": "█", "▕": "│",
}


@lru_cache(maxsize=4096)
def console_char(char: str) -> str:
    """One character in the console's repertoire, as wide as the original."""
    if char in CONSOLE_SAFE or char in "\n\t":
        return char
    if char in _CHOSEN:
        return _CHOSEN[char]
    code = ord(char)
    if 0x2800 <= code <= 0x28FF:  # braille: by how many dots are set
        dots = bin(code - 0x2800).count("1")
        return " ∙•▒█"[min((dots + 1) // 2, 4)]
    name = unicodedata.name(char, "")
    if name.startswith("BOX DRAWINGS"):
        light = name.replace("HEAVY", "LIGHT").replace("DOUBLE DASH", "").replace(
            "TRIPLE DASH", "").replace("QUADRUPLE DASH", "").replace("  ", " ")
        try:
            found = unicodedata.lookup(light.strip())
        except KeyError:
            found = "+"
        return found if found in CONSOLE_SAFE else "+"
    wide = unicodedata.east_asian_width(char) in ("W", "F")
    return "??" if wide else "?"


def to_console(text: str) -> str:
    if all(c in CONSOLE_SAFE for c in text):
        return text
    return "".join(console_char(c) for c in text)


def wants_console_glyphs(setting: str, term: str) -> bool:
    """ui.glyphs: "console" always, "unicode" never, "auto" on the Linux text console."""
    if setting == "auto":
        return term == "linux" or term.startswith("linux-")
    return setting == "console"
