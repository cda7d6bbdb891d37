"""Untrusted text (names, labels, images, log lines, env, daemon errors) is shown literally:
no markup runs, nothing crashes, and no escape byte from it reaches the terminal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Label, Log, OptionList, Static, Tree

from fintui.core.text_safety import visible
from fintui.model import ClusterSnapshot, ContainerDetails
from fintui.tui.app import FintuiApp
from fintui.tui.panes.containers import ContainersPane
from fintui.tui.screens.logs import LogScreen
from fintui.tui.widgets.safe import safe, safe_line
from tests.fakes import FlakyCluster
from tests.tui.helpers import make_app, screen_text, until_loaded

HOSTILE = [
    "[@click=app.quit]x",
    "[ @click=app.quit]y",
    "[/]",
    "[bold]b[/bold]",
    "\x1b[31mred\x1b[0m",
    "\x1b]0;owned-title\x07",
    "\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\",
    "\x1b]52;c;ZXZpbA==\x07",
    "\x9b2J",  # C1 CSI
    "\u202eevil\u202c",
    "\x1b[2J\x1b[H",
]
FORBIDDEN = ("\x1b", "\x9b", "\x07", "\u202e", "\u202c")



def assert_inert(app: App[Any], expect: list[str]) -> None:
    assert app.is_running, "markup in untrusted text ran an action"
    text = screen_text(app)
    for ch in FORBIDDEN:
        assert ch not in text, f"{ch!r} reached the screen"
    for literal in expect:
        assert literal in text, f"{literal!r} not shown literally"


class EveryWidget(App[None]):
    """Each widget kind fintui puts untrusted text into."""

    def compose(self) -> ComposeResult:
        for i, s in enumerate(HOSTILE):
            yield Label(safe(s), id=f"label{i}")
        yield Static(safe(" ".join(HOSTILE)), id="static")
        table: DataTable[Any] = DataTable(id="table")
        table.add_column("value", width=60)
        for s in HOSTILE:
            table.add_row(safe(s))
        yield table
        tree: Tree[None] = Tree(safe(HOSTILE[0]), id="tree")
        for s in HOSTILE:
            tree.root.add_leaf(safe(s))
        tree.root.expand()
        yield tree
        yield OptionList(*(safe(s) for s in HOSTILE), id="options")
        yield Log(id="log")

    def on_mount(self) -> None:
        self.query_one(Log).write_lines([safe_line(s) for s in HOSTILE])


@pytest.mark.parametrize("widget", ["label", "static", "table", "tree", "options", "log",
                                    "notify"])
async def test_every_widget_kind_shows_hostile_text_literally(widget: str) -> None:
    app = EveryWidget()
    async with app.run_test(size=(100, 200), notifications=True) as pilot:
        for node in app.query("Label, Static, DataTable, Tree, OptionList, Log"):
            node.display = bool(node.id and node.id.startswith(widget))
        if widget == "notify":
            for s in HOSTILE:
                app.notify(safe_line(s), markup=False, timeout=30)
        await pilot.pause(0.2)
        for key in ("enter", "down", "enter"):
            await pilot.press(key)
        await pilot.pause()
        assert_inert(app, ["[@click=app.quit]x", "[ @click=app.quit]y", "[/]",
                           "[bold]b[/bold]", "\\x1b[31mred", "\\x1b]0;owned-title\\x07",
                           "\\x9b2J", "\\u202eevil"])


def test_visible_escapes_controls_and_keeps_ordinary_text() -> None:
    assert visible("pricing-engine 2.4 ✓ 行情") == "pricing-engine 2.4 ✓ 行情"
    assert visible("\x1b[31m") == "\\x1b[31m"
    assert visible("a\x9bb") == "a\\x9bb"
    assert visible("\u202eabc") == "\\u202eabc"
    assert visible("line\nnext\ttab") == "line\\x0anext\\x09tab"
    assert visible("a\tb", keep_tabs=True) == "a    b"
    assert visible("\u2066x\u2069\u200b") == "\\u2066x\\u2069\\u200b"


class HostileCluster(FlakyCluster):
    """The demo cluster, but every string a container controls is an attack."""

    def __init__(self) -> None:
        super().__init__(step_seconds=3600)

    async def sweep(self) -> ClusterSnapshot:
        snap = await super().sweep()
        hostile = [replace(c, name=HOSTILE[i % len(HOSTILE)] + str(i),
                           image=HOSTILE[(i + 3) % len(HOSTILE)],
                           labels=(("x", HOSTILE[0]),))
                   for i, c in enumerate(snap.containers)]
        return replace(snap, containers=tuple(hostile))

    async def details(self, container_id: str) -> ContainerDetails:
        details = await super().details(container_id)
        return replace(details, env=tuple((s, True) for s in HOSTILE),
                       labels=tuple((s, s) for s in HOSTILE), command=tuple(HOSTILE))

    async def logs(self, container_id: str, tail: int, follow: bool,
                   timestamps: bool = False) -> AsyncIterator[str]:
        for s in HOSTILE:
            yield s


async def test_hostile_cluster_in_pane_details_logs_and_header() -> None:
    source = HostileCluster()
    app: FintuiApp = make_app(source=source)
    async with app.run_test(size=(200, 60)) as pilot:
        await until_loaded(pilot)
        assert_inert(app, ["[@click=app.quit]x0", "[/]2", "\\x1b[31mred"])
        pane = app.query_one(ContainersPane)
        names = {pane.cell_text(k, "name") for k in pane.row_keys()}
        assert "[bold]b[/bold]3" in names
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert_inert(app, ["[bold]b[/bold]=••••••", "[@click=app.quit]x=[@click=app.quit]x",
                           "'[/]'"])
        await pilot.press("escape", "l")
        await pilot.pause(0.2)
        assert isinstance(app.screen, LogScreen)
        assert_inert(app, ["[@click=app.quit]x", "\\x1b]52;c;ZXZpbA==\\x07"])
        await pilot.press("escape")
        # A daemon error message is untrusted too.
        source.down = "[@click=app.quit]boom \x1b[2J"
        app.watcher.arrived(await _failed_sweep(app))
        await pilot.pause()
        assert_inert(app, ["DISCONNECTED", "[@click=app.quit]boom \\x1b[2J"])


async def _failed_sweep(app: FintuiApp) -> ClusterSnapshot:
    from fintui.poller import make_poller

    poller = make_poller(app.parts)
    poller.last_good = app.state.snapshot
    return await poller.sweep_once()
