"""The ops ↔ sources boundary holds: ops and the pure scaling logic never take Engine JSON
apart, and the act modules never import Operations back (one import direction)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "fintui"
GUARDED = sorted([*(PACKAGE / "ops").glob("*.py"), PACKAGE / "core" / "scaling.py"])
# Keys of the Engine's container, service, node and task documents.
ENGINE_KEYS = {"Id", "ID", "Names", "Name", "State", "Status", "Config", "HostConfig",
               "NetworkSettings", "Networks", "Spec", "Mode", "Replicated", "Replicas",
               "Version", "Index", "Labels", "Aliases", "IPAMConfig", "RestartPolicy",
               "DesiredState", "Err", "NodeID", "Availability", "Description", "Hostname",
               "Image", "Paused", "Running", "Restarting", "MaximumRetryCount"}
ENGINE_KEY = re.compile(r"^[A-Z][A-Za-z]+$")  # Engine JSON keys are CamelCase


def _string_keys(tree: ast.AST) -> list[tuple[int, str]]:
    """String constants used as a subscript, a .get() key or a dict key."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        keys: list[ast.expr] = []
        if isinstance(node, ast.Subscript):
            keys = [node.slice]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("get", "pop", "setdefault") and node.args:
            keys = [node.args[0]]
        elif isinstance(node, ast.Dict):
            keys = [k for k in node.keys if k is not None]
        found += [(k.lineno, k.value) for k in keys
                  if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    return found


@pytest.mark.parametrize("path", GUARDED, ids=lambda p: p.name)
def test_ops_never_reads_or_writes_engine_json(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    engine = [f"{path.name}:{line}: {key!r}" for line, key in _string_keys(tree)
              if key in ENGINE_KEYS or ENGINE_KEY.match(key)]
    assert engine == [], "Engine JSON belongs to the Engine source (fintui/sources)"


@pytest.mark.parametrize("path", GUARDED, ids=lambda p: p.name)
def test_ops_never_mentions_engine_document_keys(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    named = [key for key in ("NetworkSettings", "HostConfig", "Spec", "Replicated",
                             "RestartPolicy", "DesiredState", "Names", "IPAMConfig")
             if re.search(rf"[\"']{key}[\"']", text)]
    assert named == []


def test_the_guard_catches_what_it_is_for() -> None:
    sample = ast.parse('x = data["Spec"]\ny = data.get("NetworkSettings")\nz = {"Name": 1}\n'
                       'ok = plan.parameters["replicas"]\n')
    assert [k for _, k in _string_keys(sample) if k in ENGINE_KEYS or ENGINE_KEY.match(k)] \
        == ["Spec", "NetworkSettings", "Name"]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("name", ["plan", "scale", "replicas", "isolation", "release",
                                  "nodes", "clean", "forensics"])
def test_act_modules_never_import_operations(name: str) -> None:
    # Anywhere in the module: at the top, inside a function or under TYPE_CHECKING.
    assert "fintui.ops.operations" not in _imports(PACKAGE / "ops" / f"{name}.py")


def test_ops_depends_on_the_sources_protocols_only() -> None:
    sources = {m for p in (PACKAGE / "ops").glob("*.py") for m in _imports(p)
               if m.startswith("fintui.sources")}
    assert sources <= {"fintui.sources.base", "fintui.sources.capabilities"}
