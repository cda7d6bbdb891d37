"""The GPUs pane: one block per device, then every GPU process with the container it runs in."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from fintui.core.gpu_view import PROCESS_HEADERS, gpu_block, idle_requests, process_table
from fintui.tui.widgets.row_feed import Palette, feed, fitted_columns
from fintui.tui.widgets.row_table import RowTable
from fintui.tui.widgets.safe import safe, safe_block
from fintui.watch.state import ClusterState


class GpusPane(Vertical):
    DEFAULT_CSS = """
    GpusPane { height: 1fr; }
    GpusPane #gpu-status { height: auto; padding: 0 1; }
    GpusPane #gpu-blocks { height: auto; padding: 0 1; }
    GpusPane #gpu-requests { height: auto; padding: 0 1; color: $text-muted; }
    GpusPane RowTable { height: 1fr; }
    """

    def __init__(self, state: ClusterState, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state = state

    def compose(self) -> ComposeResult:
        yield Static(id="gpu-status")
        yield Static(id="gpu-blocks")
        yield RowTable(id="gpu-processes")
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
        rows = process_table(snap.gpus)
        feed(self.query_one("#gpu-processes", RowTable),
             fitted_columns(PROCESS_HEADERS, rows), rows, Palette.of(self.app.current_theme))
        requests = idle_requests(snap.gpus, snap.containers)
        self.query_one("#gpu-requests", Static).update(safe_block(
            "Containers that asked for GPUs:\n" + "\n".join(requests) if requests else ""))

    def focus_table(self) -> None:
        """Nothing here to act on: the keys stay with the console."""
