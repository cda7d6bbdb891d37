"""The GPUs pane: one block per device, then every GPU process with the container it runs in."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from fintui.core.gpu_view import gpu_block, idle_requests, process_rows
from fintui.store.state import ClusterState
from fintui.tui.widgets.navigation import NavTable
from fintui.tui.widgets.safe import safe, safe_block

PROCESS_COLUMNS = ("GPU", "PID", "Container", "Service", "GPU mem", "Kind", "Command")


class GpusPane(Vertical):
    DEFAULT_CSS = """
    GpusPane { height: 1fr; }
    GpusPane #gpu-status { height: auto; padding: 0 1; }
    GpusPane #gpu-blocks { height: auto; padding: 0 1; }
    GpusPane #gpu-requests { height: auto; padding: 0 1; color: $text-muted; }
    GpusPane DataTable { height: 1fr; }
    """

    def __init__(self, state: ClusterState, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state = state

    def compose(self) -> ComposeResult:
        yield Static(id="gpu-status")
        yield Static(id="gpu-blocks")
        table: DataTable[Text] = NavTable(id="gpu-processes", cursor_type="row",
                                           zebra_stripes=True)
        table.add_columns(*PROCESS_COLUMNS)
        yield table
        yield Static(id="gpu-requests")

    def refresh_view(self) -> None:
        snap = self.state.snapshot
        if snap is None:
            return
        status = self.query_one("#gpu-status", Static)
        if not snap.gpus:
            reason = snap.gpu_error or "NVML reported no GPU"
            status.update(safe(f"No GPUs here: {reason}. Everything else works without them."))
        else:
            status.update(safe(f"{len(snap.gpus)} GPU(s)"
                               + (f" · {snap.gpu_error}" if snap.gpu_error else "")))
        blocks = []
        for gpu in snap.gpus:
            blocks += gpu_block(gpu, self.state.gpu_history(gpu.index, "util"),
                                self.state.gpu_history(gpu.index, "mem"))
            blocks.append("")
        self.query_one("#gpu-blocks", Static).update(safe_block("\n".join(blocks).rstrip()))
        table = self.query_one("#gpu-processes", DataTable)
        table.clear()
        for row in process_rows(snap.gpus):
            table.add_row(*(safe(cell) for cell in row))
        requests = idle_requests(snap.gpus, snap.containers)
        self.query_one("#gpu-requests", Static).update(safe_block(
            "Containers that asked for GPUs:\n" + "\n".join(requests) if requests else ""))
