"""One volume: what it is, who mounts it now, and who mounted it while fintui watched."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from fintui.core.format import human_bytes
from fintui.tui.screens.actions import MODAL_CSS
from fintui.tui.widgets.safe import safe, safe_block
from fintui.watch.state import ClusterState


class VolumeScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,enter", "dismiss", "Close", id="volume.close")]
    DEFAULT_CSS = MODAL_CSS.format(name="VolumeScreen")

    def __init__(self, name: str, state: ClusterState,
                 history: Sequence[tuple[str, ...]], endpoint: str = "") -> None:
        super().__init__()
        self.volume = name
        self.state = state
        self.history = history
        self.endpoint = endpoint  # several endpoints: only this daemon's containers mount it

    def compose(self) -> ComposeResult:
        disk = self.state.disk
        info = next((v for v in disk.volumes if v.name == self.volume), None) if disk else None
        lines = []
        if info is not None:
            lines += [f"driver: {info.driver}", f"mountpoint: {info.mountpoint}",
                      f"size: {human_bytes(info.size_bytes)}",
                      f"created: {info.created.isoformat() if info.created else '-'}",
                      "labels: " + (", ".join(f"{k}={v}" for k, v in info.labels) or "-")]
        snap = self.state.snapshot
        now = [f"{c.name}:{m.destination} ({'rw' if m.rw else 'ro'}, {c.state})"
               for c in (snap.containers_of(self.endpoint) if snap else ()) for m in c.mounts
               if m.type == "volume" and m.name == self.volume]
        lines.append("mounted now by: " + (", ".join(now) or "nobody"))
        lines.append("")
        lines.append("seen mounting it while fintui watched (last seen first):")
        lines += [f"  {container} ({mode}) from {first} to {last}"
                  for container, mode, first, last in self.history] or ["  nobody"]
        with Vertical():
            yield Static(safe(f"Volume {self.volume}"), classes="title")
            yield Static(safe_block("\n".join(lines)))
            yield Static(safe("escape: close"), classes="keys")
