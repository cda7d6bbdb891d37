"""No module of the package grows past 400 lines: a longer one is doing more than one thing and
wants splitting by what it does (shared/ARCHITECTURE.md)."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "fintui"
MAX_LINES = 400


def test_no_module_over_400_lines() -> None:
    sizes = {p.relative_to(PACKAGE.parent): len(p.read_text(encoding="utf-8").splitlines())
             for p in PACKAGE.rglob("*.py")}
    over = sorted(((n, str(p)) for p, n in sizes.items() if n > MAX_LINES), reverse=True)
    assert not over, f"modules over {MAX_LINES} lines (split them by what they do):\n  " + \
        "\n  ".join(f"{path}: {n} lines" for n, path in over)
