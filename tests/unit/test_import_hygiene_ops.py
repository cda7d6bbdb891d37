"""The Engine boundary holds: Engine JSON is read in the Engine source only (fintui/sources).
Core, the watch, the views and ops work on model objects and never take Engine JSON apart;
ops and the pure scaling logic use no CamelCase key at all; and the act modules never import
Operations back (one import direction)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "fintui"
GUARDED = sorted([*(PACKAGE / "ops").glob("*.py"), PACKAGE / "core" / "scaling.py"])
# Every room above the sources: none of them may read (or build) Engine JSON.
ABOVE_SOURCES = sorted(p for room in ("core", "watch", "tui", "ops")
                       for p in (PACKAGE / room).rglob("*.py"))
# Keys of the Engine's container, inspect, service, node, task, /system/df, /info and event
# documents.
ENGINE_KEYS = {"Id", "ID", "Names", "Name", "State", "Status", "Config", "HostConfig",
               "NetworkSettings", "Networks", "Spec", "Mode", "Replicated", "Replicas",
               "Version", "Index", "Labels", "Aliases", "IPAMConfig", "RestartPolicy",
               "DesiredState", "Err", "NodeID", "Availability", "Description", "Hostname",
               "Image", "Paused", "Running", "Restarting", "MaximumRetryCount",
               # tasks and nodes
               "ServiceID", "ManagerStatus", "Resources", "NanoCPUs", "MemoryBytes",
               "EngineVersion", "Engine", "Addr", "Leader", "Role", "TaskTemplate",
               "ContainerSpec",
               # inspect documents
               "Mounts", "Env", "Cmd", "Entrypoint", "User", "Tty", "Health", "OOMKilled",
               "Pid", "ExitCode", "StartedAt", "FinishedAt", "RestartCount", "IPAddress",
               "NanoCpus", "CpuQuota", "CpuPeriod", "Memory", "MemoryReservation",
               "PidsLimit", "CpusetCpus", "DeviceRequests", "DeviceIDs", "Capabilities",
               "Driver", "Source", "Destination", "RW", "Created",
               # /system/df
               "Volumes", "Images", "Containers", "BuildCache", "LayersSize", "SizeRw",
               "CreatedAt", "LastUsedAt", "RepoTags", "UsageData", "RefCount", "Size",
               "SharedSize", "Mountpoint", "InUse", "Shared", "Type",
               # /info and events
               "Swarm", "LocalNodeState", "ControlAvailable", "DockerRootDir", "SystemTime",
               "Action", "Actor", "Attributes", "TimeNano"}
# Our own tables' column titles that an Engine document happens to use too: a row's cells are
# keyed by title, so these may be dict keys (never a subscript or .get key) above the sources.
OWN_COLUMN_TITLES = {"State", "Action"}
ENGINE_KEY = re.compile(r"^[A-Z][A-Za-z]+$")  # Engine JSON keys are CamelCase
# Keys no model, wire format or column of ours uses: not even quoted above the sources.
ENGINE_ONLY = ("NetworkSettings", "HostConfig", "Spec", "Replicated", "RestartPolicy",
               "DesiredState", "Names", "IPAMConfig", "NodeID", "ServiceID", "DeviceRequests",
               "SizeRw", "CreatedAt", "RepoTags", "UsageData", "ManagerStatus", "BuildCache",
               "LayersSize", "NanoCpus", "NanoCPUs")


def _string_keys(tree: ast.AST, dict_keys: bool = True) -> list[tuple[int, str]]:
    """String constants used as a subscript, a .get() key or (with dict_keys) a dict key."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        keys: list[ast.expr] = []
        if isinstance(node, ast.Subscript):
            keys = [node.slice]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("get", "pop", "setdefault") and node.args:
            keys = [node.args[0]]
        elif isinstance(node, ast.Dict) and dict_keys:
            keys = [k for k in node.keys if k is not None]
        found += [(k.lineno, k.value) for k in keys
                  if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    return found


def _engine_keys_used(tree: ast.AST) -> list[tuple[int, str]]:
    """Engine keys read (subscript, .get) or written (dict key) by a module above the
    sources; our own column titles only count when read."""
    read = set(_string_keys(tree, dict_keys=False))
    return sorted((line, key) for line, key in _string_keys(tree) if key in ENGINE_KEYS
                  and (key not in OWN_COLUMN_TITLES or (line, key) in read))


def _rel(path: Path) -> str:
    return str(path.relative_to(PACKAGE))


@pytest.mark.parametrize("path", ABOVE_SOURCES, ids=_rel)
def test_no_room_above_the_sources_reads_or_writes_engine_json(path: Path) -> None:
    engine = [f"{_rel(path)}:{line}: {key!r}"
              for line, key in _engine_keys_used(ast.parse(path.read_text(encoding="utf-8")))]
    assert engine == [], "Engine JSON belongs to the Engine source (fintui/sources): " \
        "translate it there into model objects (fintui/model.py, fintui/model_ops.py)"


@pytest.mark.parametrize("path", ABOVE_SOURCES, ids=_rel)
def test_no_room_above_the_sources_mentions_engine_only_keys(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert [key for key in ENGINE_ONLY if re.search(rf"[\"']{key}[\"']", text)] == []


@pytest.mark.parametrize("path", GUARDED, ids=lambda p: p.name)
def test_ops_never_reads_or_writes_engine_json(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    engine = [f"{path.name}:{line}: {key!r}" for line, key in _string_keys(tree)
              if key in ENGINE_KEYS or ENGINE_KEY.match(key)]
    assert engine == [], "Engine JSON belongs to the Engine source (fintui/sources)"


@pytest.mark.parametrize("path", GUARDED, ids=lambda p: p.name)
def test_ops_never_mentions_engine_document_keys(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert [key for key in ENGINE_ONLY if re.search(rf"[\"']{key}[\"']", text)] == []


def test_the_guard_catches_what_it_is_for() -> None:
    sample = ast.parse('x = data["Spec"]\ny = data.get("NetworkSettings")\nz = {"Name": 1}\n'
                       'ok = plan.parameters["replicas"]\n')
    assert [k for _, k in _string_keys(sample) if k in ENGINE_KEYS or ENGINE_KEY.match(k)] \
        == ["Spec", "NetworkSettings", "Name"]


def test_the_wide_guard_catches_engine_json_but_not_our_column_titles() -> None:
    engine = ast.parse('n = task.get("NodeID")\nd = df["SizeRw"]\nh = {"HostConfig": {}}\n'
                       's = inspect["State"]\n')
    assert [k for _, k in _engine_keys_used(engine)] == ["NodeID", "SizeRw", "HostConfig",
                                                         "State"]
    ours = ast.parse('row = {"State": cell, "Action": cell}\nok = out["replicas"]\n'
                     'j = {"endpoint": e, "state": s}\n')
    assert _engine_keys_used(ours) == []


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
