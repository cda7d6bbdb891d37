"""The Nodes pane: a Swarm cluster's nodes as its manager sees them, and its services with
their tasks across the nodes; `d` drains the selected node, or makes a drained one active
again, through the operations layer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from fintui.core.swarm_nodes import NODE_HEADERS, SERVICE_HEADERS, node_table, service_table
from fintui.model import Node
from fintui.tui.key_order import hold_keys_for
from fintui.tui.widgets.row_feed import Palette, feed, fitted_columns
from fintui.tui.widgets.row_table import RowTable
from fintui.tui.widgets.safe import safe
from fintui.watch.state import ClusterState


class NodesPane(Vertical):
    BINDINGS = [Binding("d", "drain", "Drain / activate", id="nodes.drain")]
    DEFAULT_CSS = """
    NodesPane { height: 1fr; }
    NodesPane #nodes-status, NodesPane #services-status { height: 1; padding: 0 1; }
    NodesPane #nodes-table { height: auto; max-height: 60%; }
    NodesPane #services-table { height: 1fr; }
    """

    class Availability(Message):
        """The operator asked to change a node's availability."""

        def __init__(self, node: Node, availability: str) -> None:
            super().__init__()
            self.node = node
            self.availability = availability

    def __init__(self, state: ClusterState, drain_key: str = "d", id: str | None = None) -> None:
        super().__init__(id=id)
        self.state = state
        self.drain_key = drain_key  # as [keys] set it: the hint must name the real key
        self.nodes: list[Node] = []
        self.endpoint = ""  # the console's endpoint view: "" is every endpoint
        self._keys: dict[str, Node] = {}  # row key -> the node it shows

    def compose(self) -> ComposeResult:
        yield Static(id="nodes-status")
        yield RowTable(id="nodes-table")
        yield Static(id="services-status")
        yield RowTable(id="services-table")

    def refresh_view(self) -> None:
        snap = self.state.snapshot
        if snap is None:
            return
        self.nodes = [n for n in snap.nodes if not self.endpoint or n.endpoint == self.endpoint]
        status = self.query_one("#nodes-status", Static)
        if not self.nodes and snap.endpoints:
            status.update(safe("none of the endpoints is a Swarm manager: no nodes to show."))
        elif not self.nodes:
            status.update(safe(f"{snap.source.endpoint} is not a Swarm manager: no nodes to "
                               "show (docker swarm init, or point --host at a manager)."))
        else:
            active = sum(n.availability == "active" for n in self.nodes)
            status.update(safe(f"{len(self.nodes)} node(s), {active} active · "
                               f"{self.drain_key} drains the selected node or makes it "
                               "active again"))
        palette = Palette.of(self.app.current_theme)
        rows = node_table(self.nodes)
        self._keys = {row.key: node for row, node in zip(rows, self.nodes, strict=True)}
        feed(self.query_one("#nodes-table", RowTable), fitted_columns(NODE_HEADERS, rows),
             rows, palette)
        services = service_table([s for s in snap.services if not self.endpoint
                                  or s.endpoint == self.endpoint]) if self.nodes else []
        self.query_one("#services-status", Static).update(safe(
            f"{len(services)} Swarm service(s), tasks by node" if services else
            "no Swarm services" if self.nodes else ""))
        feed(self.query_one("#services-table", RowTable),
             fitted_columns(SERVICE_HEADERS, services), services, palette)

    def focus_table(self) -> None:
        self.query_one("#nodes-table", RowTable).focus()

    def action_drain(self) -> None:
        node = self._keys.get(self.query_one("#nodes-table", RowTable).selected_key() or "")
        if node is None:
            return
        hold_keys_for(self)
        self.post_message(self.Availability(
            node, "active" if node.availability != "active" else "drain"))
