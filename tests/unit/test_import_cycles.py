"""The composition has no import cycle through the CLI: nothing in fintui imports fintui.cli
(the CLI imports the rest), and the headless watch and agent never load Textual."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "fintui"


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_nothing_but_the_entry_point_imports_the_cli() -> None:
    importers = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                       if "fintui.cli" in imported(p) and p.name != "__main__.py")
    assert importers == []


@pytest.mark.parametrize("module", ["fintui.watch.watch", "fintui.agent.run",
                                    "fintui.agent.attached", "fintui.agent.supervise",
                                    "fintui.wiring", "fintui.alert_verbs", "fintui.core.wire"])
def test_the_watch_and_the_agent_run_without_textual(module: str) -> None:
    code = f"import sys, {module}; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"
