"""Details of one container: its highlights as a tree."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static, Tree

from fintui.core.inspect_view import highlights, io_totals
from fintui.model import Container
from fintui.tui.widgets.navigation import NavTree
from fintui.tui.widgets.safe import safe
from fintui.watch.reads import ContainerGone, ContainerReads, SourceUnavailable


class DetailsScreen(Screen[None]):
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back", id="details.back"),
        Binding("l", "logs", "Logs", id="details.logs"),
    ]
    DEFAULT_CSS = """
    DetailsScreen #title { height: 1; background: $panel; padding: 0 1; text-style: bold; }
    DetailsScreen Tree { height: 1fr; }
    """

    def __init__(self, reads: ContainerReads, container: Container) -> None:
        super().__init__()
        self.reads = reads
        self.container = container

    def compose(self) -> ComposeResult:
        yield Static(safe(f"{self.container.name}  ·  {self.container.image}"), id="title")
        tree: Tree[None] = NavTree(safe(self.container.name), id="inspect")
        tree.root.expand()
        yield tree
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Tree).root.add_leaf(safe("loading inspect data…"))
        self.load()

    @work(exclusive=True, group="inspect", exit_on_error=False)
    async def load(self) -> None:
        tree = self.query_one(Tree)
        try:
            details = await self.reads.details(self.container.id)
        except ContainerGone:
            message = "this container no longer exists"
        except SourceUnavailable as exc:
            message = f"cannot load: {exc}"
        else:
            tree.root.remove_children()
            for title, lines in [*highlights(details), io_totals(self.container.stats)]:
                node = tree.root.add(safe(title, style="bold"), expand=True)
                for line in lines:
                    node.add_leaf(safe(line))
            tree.focus()
            return
        tree.root.remove_children()
        tree.root.add_leaf(safe(message))

    def action_logs(self) -> None:
        from fintui.tui.screens.logs import LogScreen

        self.app.push_screen(LogScreen(self.reads, self.container, 500))
