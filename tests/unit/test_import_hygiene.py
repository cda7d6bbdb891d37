"""The layering of shared/ARCHITECTURE.md ("Rooms"), checked on every module of the package.

Modules are found by walking fintui/ (no hand list to forget a new one), imports are read from
the source (AST: module level and inside functions, but not under `if TYPE_CHECKING:`, which
never runs), and these things are checked:
- outside the console (fintui.tui) nothing loads Textual: the verbs start fast and run where no
  terminal UI is wanted (one subprocess imports them all and names any that pulls it in);
- each room imports only the rooms the guide lets it (the rules below), and every module is in
  a room with a rule or is a named entry point (wiring, the CLI, serve, ...);
- no two modules import each other, directly or round a longer loop.
"""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "fintui"


@dataclass(frozen=True)
class Import:
    name: str  # the module imported (for `from a import b`: a.b when that is a module)
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk(nodes: list[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import that can run: the body of `if TYPE_CHECKING:` is skipped (its else kept)."""
    for node in nodes:
        if isinstance(node, ast.If) and _type_checking(node.test):
            yield from _walk(node.orelse)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        else:
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                children = getattr(node, field, None)
                if isinstance(children, list):
                    yield from _walk([c for c in children if isinstance(c, ast.AST)])


@functools.cache
def imports_of(module: str) -> tuple[Import, ...]:
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: list[Import] = []
    for node in _walk(tree.body):
        if isinstance(node, ast.Import):
            found.extend(Import(alias.name, node.lineno) for alias in node.names)
            continue
        if node.level:  # relative: from its package, one level up per extra dot
            base = package[:len(package) - node.level + 1]
            source = ".".join([*base, node.module] if node.module else base)
        else:
            source = node.module or ""
        for alias in node.names:
            submodule = f"{source}.{alias.name}"
            found.append(Import(submodule if submodule in MODULES else source, node.lineno))
    return tuple(found)


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


# Rooms other than the views and the composition root. The "vocabulary" (fintui.model and the
# leaf modules that import only the standard library: the clock, time parsing, the model's
# operations, __version__ in the package itself) and the pure core may be imported by every room
# above them.
VOCABULARY = ("fintui.model", "fintui.model_ops", "fintui.model_health", "fintui.model_release",
              "fintui.clock", "fintui.timeparse")
PACKAGE_ITSELF = ("fintui",)  # fintui/__init__.py: __version__ (governed exactly, not as prefix)
IO_LAYERS = ("fintui.sources", "fintui.ops", "fintui.store", "fintui.tui", "fintui.watch",
             "fintui.agent", "fintui.notify", "fintui.wiring", "fintui.cli", "fintui.poller",
             "fintui.collector", "fintui.serve", "fintui.serve_server", "fintui.alert_verbs",
             "fintui.parent_watch", "fintui.demo_seed",
             "fintui.private_files")
IO_LIBRARIES = ("aiohttp", "docker", "psutil", "pynvml", "sqlite3", "socket", "subprocess",
                "os", "shutil", "tempfile", "fcntl", "grp", "pwd", "ssl", "http", "urllib.request",
                "asyncio", "threading", "signal", "ctypes", "textual", "rich", "textual_serve")
VIEW_ONLY = ("textual", "rich", "textual_serve")
CLI = ("fintui.cli",)
# The config: the loader reads files and the environment; the settings declarations (the typed
# tree, its field specifiers, the item tables and the value checks) are pure, so core may use
# the settings types without the loader.
CONFIG_LOADER = ("fintui.config", "fintui.config_load", "fintui.config_paths",
                 "fintui.config_doc")
SETTINGS = ("fintui.config_tree", "fintui.config_schema", "fintui.config_items",
            "fintui.config_checks", "fintui.config_guard", "fintui.config_policies")
# What a view may use of the agent: the client side (attach, supervise, acts through it). Every
# other agent module is its server side, which a view never imports (a new one is server side
# until named here).
AGENT_CLIENT = ("fintui.agent.client", "fintui.agent.attached", "fintui.agent.supervise",
                "fintui.agent.remote_ops")
AGENT_SERVER = tuple(m for m in MODULES if m.startswith("fintui.agent.") and m not in AGENT_CLIENT)
# What the watch may know of the sources: their protocols and error vocabulary, no source.
SOURCE_PROTOCOLS = ("fintui.sources.base", "fintui.sources.capabilities")
CONCRETE_SOURCES = tuple(m for m in MODULES if m.startswith("fintui.sources.")
                         and m not in SOURCE_PROTOCOLS)
# Composition and entry points: they build or start the rooms and may import any of them (the
# rule that nothing imports the CLI still holds for them). Every other module is in a room.
ENTRY_POINTS = ("fintui.__main__", "fintui.wiring", "fintui.alert_verbs", "fintui.collector",
                "fintui.demo_seed", "fintui.parent_watch", "fintui.serve",
                "fintui.serve_server")


@dataclass(frozen=True)
class Rule:
    name: str
    room: tuple[str, ...]  # the modules it governs (prefixes)
    forbidden: tuple[str, ...]  # what they may not import (prefixes)
    exempt: tuple[str, ...] = ()  # modules of the room the rule does not govern
    modules: tuple[str, ...] = ()  # single modules it governs as well (exactly, not prefixes)

    def governs(self, module: str) -> bool:
        return module in self.modules or (_within(module, self.room)
                                          and module not in self.exempt)


def _cli_family(name: str) -> bool:
    """fintui.cli and the modules it is split into (fintui.cli_*), which only it imports."""
    return name == "fintui.cli" or name.startswith(("fintui.cli.", "fintui.cli_"))


RULES = [
    Rule("the vocabulary imports only the standard library (and itself)",
         VOCABULARY, (*IO_LAYERS, "fintui.core", *CONFIG_LOADER, *SETTINGS, *IO_LIBRARIES),
         modules=PACKAGE_ITSELF),
    Rule("owner-only files (private_files) import only the standard library",
         ("fintui.private_files",), ("fintui", *VIEW_ONLY, "aiohttp", "docker", "psutil",
                                     "pynvml", "sqlite3")),
    Rule("core is pure: no I/O layer, no I/O library, no Textual, no config loader",
         ("fintui.core",), (*IO_LAYERS, *CONFIG_LOADER, *IO_LIBRARIES)),
    Rule("config turns TOML into settings: it imports no other room",
         ("fintui.config",), (*IO_LAYERS, "fintui.core", *VIEW_ONLY, "aiohttp", "docker",
                              "psutil", "pynvml", "sqlite3")),
    Rule("the config's parts (declarations, reading, paths, docs) import no room above config",
         ("fintui.config_load", "fintui.config_paths", "fintui.config_doc", *SETTINGS),
         (*IO_LAYERS, *VIEW_ONLY, "aiohttp", "docker", "psutil", "pynvml", "sqlite3")),
    Rule("the settings declarations, which core imports, never import the loader (only "
         "config_paths, for the defaults' folders)",
         SETTINGS, ("fintui.config", "fintui.config_load", "fintui.config_doc")),
    Rule("sources reach the outside world and nothing above them",
         ("fintui.sources",), ("fintui.ops", "fintui.tui", "fintui.watch", "fintui.agent",
                               "fintui.store", "fintui.wiring", "fintui.cli", "fintui.notify",
                               "fintui.serve", "fintui.alert_verbs", *VIEW_ONLY)),
    Rule("store keeps state: model and core only",
         ("fintui.store",), ("fintui.sources", "fintui.ops", "fintui.tui", "fintui.watch",
                             "fintui.agent", "fintui.wiring", "fintui.cli", "fintui.notify",
                             "fintui.poller", *VIEW_ONLY, "aiohttp", "docker", "psutil",
                             "pynvml")),
    Rule("ops is the one door: everything but the views and the composition",
         ("fintui.ops",), ("fintui.tui", "fintui.watch", "fintui.agent", "fintui.wiring",
                           "fintui.cli", "fintui.serve", "fintui.alert_verbs", *VIEW_ONLY)),
    Rule("notify delivers the watch's pages: nothing above it, no view",
         ("fintui.notify",), ("fintui.sources", "fintui.ops", "fintui.store", "fintui.tui",
                              "fintui.watch", "fintui.agent", "fintui.wiring", "fintui.cli",
                              "fintui.poller", "fintui.serve", "fintui.alert_verbs",
                              *VIEW_ONLY)),
    Rule("the watch is headless: no view, no agent, no composition root; of the sources only "
         "their protocols",
         ("fintui.watch", "fintui.poller"),
         ("fintui.tui", "fintui.agent", "fintui.cli", "fintui.wiring", *VIEW_ONLY,
          *CONCRETE_SOURCES, "docker", "pynvml")),
    Rule("the agent serves views and never is one",
         ("fintui.agent",), ("fintui.tui", "fintui.cli", *VIEW_ONLY)),
    Rule("the console is a view of a watch: no sources, store, config loader or composition "
         "root, of the agent only its client side, no Docker or NVML",
         ("fintui.tui",), ("fintui.sources", "fintui.store", *CONFIG_LOADER, "fintui.forecasting",
                           "fintui.wiring", "fintui.cli", *AGENT_SERVER, "docker", "pynvml",
                           "psutil", "aiohttp", "sqlite3", "subprocess")),
    Rule("the composition root builds everything but the views",
         ("fintui.wiring",), ("fintui.tui", "fintui.cli", *VIEW_ONLY)),
    Rule("nothing imports the CLI (the entry point aside)",
         ("fintui",), CLI, exempt=("fintui.__main__",)),
]
PACKAGE_WIDE = RULES[-1]


def violations(rule: Rule) -> list[str]:
    found = []
    for module in MODULES:
        if not rule.governs(module):
            continue
        if rule.forbidden == CLI and _cli_family(module):
            continue
        for imp in imports_of(module):
            if _within(imp.name, rule.forbidden) or (  # the CLI's split parts are the CLI
                    "fintui.cli" in rule.forbidden and _cli_family(imp.name)):
                path = MODULES[module].relative_to(PACKAGE.parent)
                found.append(f"{path}:{imp.line} imports {imp.name}")
    return found


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_rooms_import_only_what_the_guide_allows(rule: Rule) -> None:
    found = violations(rule)
    assert not found, f"{rule.name}:\n  " + "\n  ".join(found)


def test_every_module_is_in_a_room_with_a_rule() -> None:
    """A new room cannot slip in unguarded: each module is governed by a rule of its own room
    (the package-wide one about the CLI does not count) or is a named entry point."""
    unguarded = sorted(m for m in MODULES
                       if m not in ENTRY_POINTS and not _cli_family(m)
                       and not any(r.governs(m) for r in RULES if r is not PACKAGE_WIDE))
    assert not unguarded, "modules no rule governs (give their room a rule, or name an entry " \
        "point in ENTRY_POINTS):\n  " + "\n  ".join(unguarded)
    gone = sorted(m for m in (*ENTRY_POINTS, *AGENT_CLIENT, *VOCABULARY, *SETTINGS,
                              *CONFIG_LOADER) if m not in MODULES)
    assert not gone, f"named in the rules but not in the package: {gone}"


def test_the_rules_see_imports_inside_functions_and_skip_type_checking() -> None:
    """The checker itself: a lazy import counts, a TYPE_CHECKING one does not (else a rule could
    pass by not looking)."""
    assert "fintui.tui.app" in {i.name for i in imports_of("fintui.cli")}  # in main() only
    acts = {i.name for i in imports_of("fintui.cli_acts")}
    assert "fintui.ops.operations" in acts  # inside functions (and under TYPE_CHECKING)
    assert "fintui.core.cleanup" not in acts and "fintui.model" not in acts  # TYPE_CHECKING
    wiring = {i.name for i in imports_of("fintui.wiring")}
    assert "fintui.store.history" in wiring  # a method's import
    assert "fintui.sources.cgroup_stats" in wiring


def _graph() -> dict[str, set[str]]:
    return {m: {i.name for i in imports_of(m) if i.name in MODULES and i.name != m}
            for m in MODULES}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each strongly connected group of modules (Tarjan), as a path that
    ends where it starts."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [_cycle_in(graph, group) for group in groups]


def _cycle_in(graph: dict[str, set[str]], group: set[str]) -> list[str]:
    """The shortest loop from the group's first module back to itself (breadth first)."""
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node] & group):
            if nxt == start:
                return [*paths[node], start]
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    return sorted(group)  # unreachable: a strongly connected group always loops


def test_cycle_finder_names_the_loop() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert import_cycles(graph) == [["a", "b", "c", "a"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles() -> None:
    cycles = import_cycles(_graph())
    assert not cycles, "import cycles:\n  " + "\n  ".join(" -> ".join(c) for c in cycles)


def test_no_module_outside_the_console_loads_textual() -> None:
    """One interpreter imports every module outside fintui.tui in turn; any import after which
    Textual is loaded is named (and Textual unloaded, so a second culprit is named too)."""
    headless = sorted(m for m in MODULES if not _within(m, ("fintui.tui",))
                      and m != "fintui.__main__")  # __main__ runs the CLI when imported
    code = ("import importlib, sys\n"
            f"culprits = []\nfor name in {headless!r}:\n"
            "    importlib.import_module(name)\n"
            "    if 'textual' in sys.modules:\n"
            "        culprits.append(name)\n"
            "        for key in [k for k in sys.modules if k.split('.')[0] == 'textual']:\n"
            "            del sys.modules[key]\n"
            "print(culprits)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr  # a module that cannot even be imported
    assert result.stdout.strip() == "[]", f"these modules load Textual: {result.stdout}"


@pytest.mark.parametrize(("argv", "exit_code"), [(["--demo", "status", "--json"], 0),
                                            (["--demo", "clean", "--dry-run"], 0),
                                            (["--demo", "scale", "pricing", "4", "--yes"], 0),
                                            (["audit", "verify"], 1)])  # no log here: says so
def test_screenless_verbs_run_without_textual(argv: list[str], exit_code: int) -> None:
    code = ("import sys\n"
            f"sys.argv = ['fintui', *{argv!r}]\n"
            "from fintui.cli import main\n"
            "import contextlib, io\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    rc = main()\n"
            "print(rc, 'textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == f"{exit_code} False"


def test_core_loads_no_io_library() -> None:
    """What the AST rule says, seen at run time: importing all of core pulls no I/O library in
    (not even through a module it imports)."""
    core = sorted(m for m in MODULES if _within(m, ("fintui.core",)))
    code = (f"import importlib, sys\nfor name in {core!r}:\n    importlib.import_module(name)\n"
            "print(sorted(m for m in ('aiohttp', 'docker', 'psutil', 'pynvml', 'sqlite3', "
            "'textual') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_the_console_loads_no_source_composition_or_cli_even_indirectly() -> None:
    """The rules above look at each module's own imports; this looks at what importing the
    console really loads (a chain through an allowed module could still reach a source)."""
    code = ("import sys, fintui.tui.app\n"
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('fintui.') or "
            "m in ('docker', 'pynvml', 'psutil'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.split()
    wrong = [m for m in loaded if m in ("docker", "pynvml", "psutil", "fintui.wiring",
                                        "fintui.alert_verbs", "fintui.collector")
             or m in CONCRETE_SOURCES or _cli_family(m)]
    assert not wrong, f"importing fintui.tui.app loads {wrong}"
