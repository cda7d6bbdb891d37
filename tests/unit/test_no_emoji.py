"""No emoji anywhere fintui writes from: its source strings, themes, shipped config and the
README. An emoji is two cells wide where the layout counts one, and a box on console fonts."""

from __future__ import annotations

import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
SCANNED = [*sorted((REPO / "fintui").rglob("*.py")), *sorted((REPO / "themes").iterdir()),
           *sorted((REPO / "config").rglob("*.toml")), REPO / "README.md"]


def is_emoji(char: str) -> bool:
    """Pictographs (U+1F000 on), the emoji variation selector, and the wide symbols that
    terminals draw as emoji (✅ ❌ ⭐ ⌛ ...: East Asian width W or F)."""
    return (ord(char) >= 0x1F000 or char == "\ufe0f"
            or unicodedata.east_asian_width(char) in ("W", "F"))


def test_no_file_fintui_ships_holds_an_emoji() -> None:
    assert len(SCANNED) > 100  # the scan found the package
    found = [f"{path.relative_to(REPO)}:{n}: {''.join(c for c in line if is_emoji(c))!r}"
             for path in SCANNED if path.is_file()
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if any(is_emoji(c) for c in line)]
    assert found == []


def test_the_scan_knows_an_emoji_when_it_sees_one() -> None:
    assert all(is_emoji(c) for c in "\U0001f50e\u2705\u274c\u2b50\u231b\ufe0f")
    assert not any(is_emoji(c) for c in "●○✓✗↻‖▲⚠━│⠿>")
