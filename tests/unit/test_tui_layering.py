"""The console is a view of a watch: no module under fintui/tui reaches a source (logs and
details come through the watch's read door) or a private Textual name."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TUI = Path(__file__).resolve().parents[2] / "fintui" / "tui"
MODULES = sorted(TUI.rglob("*.py"))


def imported(path: Path) -> list[tuple[str, str]]:
    """(module, name) for every import in the file, TYPE_CHECKING ones included."""
    found: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found += [(node.module, alias.name) for alias in node.names]
    return found


def test_the_walk_sees_the_console() -> None:
    assert TUI / "app.py" in MODULES and TUI / "screens" / "logs.py" in MODULES


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(TUI)))
def test_no_tui_module_imports_a_source(path: Path) -> None:
    bad = [module for module, name in imported(path)
           if module == "fintui.sources" or module.startswith("fintui.sources.")
           or (module == "fintui" and name == "sources")]
    assert not bad, f"{path.name} imports {bad}: go through the watch (fintui.watch.reads)"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(TUI)))
def test_no_tui_module_imports_private_textual_names(path: Path) -> None:
    bad = [f"{module}.{name}".rstrip(".") for module, name in imported(path)
           if module.split(".")[0] == "textual"
           and (any(part.startswith("_") for part in module.split("."))
                or name.startswith("_"))]
    assert not bad, f"{path.name} imports private Textual names: {bad}"
