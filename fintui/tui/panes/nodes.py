"""The Nodes pane: a Swarm cluster's nodes as its manager sees them, and its services with
their tasks across the nodes; `d` drains the selected node, or makes a drained one active
again, through the operations layer."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from fintui.core.swarm_nodes import node_rows, service_rows
from fintui.model import Node
from fintui.store.state import ClusterState
from fintui.tui.widgets.navigation import NavTable
from fintui.tui.widgets.safe import safe

NODE_COLUMNS = ("Node", "Role", "Availability", "State", "Tasks", "CPUs", "Memory", "Engine",
                "Address")
SERVICE_COLUMNS = ("Service", "Mode", "Running", "Tasks by node")


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

    def compose(self) -> ComposeResult:
        yield Static(id="nodes-status")
        table: DataTable[Text] = NavTable(id="nodes-table", cursor_type="row",
                                           zebra_stripes=True)
        table.add_columns(*NODE_COLUMNS)
        yield table
        yield Static(id="services-status")
        services: DataTable[Text] = NavTable(id="services-table", cursor_type="row",
                                              zebra_stripes=True)
        services.add_columns(*SERVICE_COLUMNS)
        yield services

    def refresh_view(self) -> None:
        snap = self.state.snapshot
        if snap is None:
            return
        self.nodes = list(snap.nodes)
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
        table = self.query_one("#nodes-table", DataTable)
        row = table.cursor_row
        table.clear()
        for cells in node_rows(self.nodes):
            table.add_row(*(safe(cell) for cell in cells))
        if self.nodes:
            table.move_cursor(row=min(row, len(self.nodes) - 1), animate=False)
        self._show_services(service_rows(snap.services) if self.nodes else [])

    def _show_services(self, rows: list[tuple[str, ...]]) -> None:
        self.query_one("#services-status", Static).update(safe(
            f"{len(rows)} Swarm service(s), tasks by node" if rows else
            "no Swarm services" if self.nodes else ""))
        table = self.query_one("#services-table", DataTable)
        row = table.cursor_row
        table.clear()
        for cells in rows:
            table.add_row(*(safe(cell) for cell in cells))
        if rows:
            table.move_cursor(row=min(row, len(rows) - 1), animate=False)

    def focus_table(self) -> None:
        self.query_one("#nodes-table", DataTable).focus()

    def action_drain(self) -> None:
        table = self.query_one("#nodes-table", DataTable)
        if not self.nodes or not 0 <= table.cursor_row < len(self.nodes):
            return
        node = self.nodes[table.cursor_row]
        self.post_message(self.Availability(
            node, "active" if node.availability != "active" else "drain"))
