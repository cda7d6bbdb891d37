"""The Volumes pane's work in the console: disk usage read in the background (slow on big
hosts, so cached with its age shown), a volume's history, and the clean flow."""

from __future__ import annotations

from textual import work

from fintui.agent.attached import AttachedWatch
from fintui.agent.client import AgentClient, AgentFailed, AgentRefused, AgentUnavailable
from fintui.tui.act_flows import ActFlows
from fintui.tui.key_order import gives_keys_back
from fintui.tui.panes.volumes import VolumesPane
from fintui.tui.screens.volume import VolumeScreen
from fintui.tui.widgets.safe import safe_line
from fintui.watch.reads import StateUnavailable


class StorageFlows(ActFlows):
    def active_pane(self) -> str:
        raise NotImplementedError

    def usage_tick(self) -> None:
        if self.active_pane() == "volumes":
            self.refresh_disk_usage()

    def show_endpoint_storage(self, endpoint: str) -> None:
        """Show the chosen endpoint's sizes at once if known, and read them when old."""
        pane = self.main.query_one(VolumesPane)
        self.state.disk = self.watcher.disks.get(endpoint)
        pane.usage_error = ""
        pane.refresh_view()
        self.refresh_disk_usage_if_old()

    def refresh_disk_usage_if_old(self) -> None:
        disk = self.state.disk
        interval = self.parts.settings.cleanup.disk_usage_interval
        if disk is None or (self.parts.clock.now() - disk.taken_at).total_seconds() > interval:
            self.refresh_disk_usage()

    @work(exclusive=True, group="disk-usage", exit_on_error=False)
    async def refresh_disk_usage(self) -> None:
        """The shown endpoint's `/system/df`, in the background (the watch keeps it and
        records it in the history)."""
        pane = self.main.query_one(VolumesPane)
        pane.computing = True
        pane.refresh_view()
        try:
            errors = await self.watcher.read_disks([pane.endpoint])
            if pane.endpoint in errors:
                pane.usage_error = errors[pane.endpoint]
        finally:
            pane.computing = False
            pane.refresh_view()

    def disk_read(self, endpoint: str) -> None:
        """New sizes of an endpoint: shown when the pane shows that endpoint."""
        if not self.screen_stack:  # news that lands while the console closes
            return
        pane = self.main.query_one(VolumesPane)
        if endpoint == pane.endpoint:
            self.state.disk = self.watcher.disks[endpoint]
            pane.usage_error = ""
            pane.refresh_view()

    @work(exclusive=True, group="action-flow", exit_on_error=False)
    @gives_keys_back
    async def clean_flow(self) -> None:
        # The endpoint whose storage the pane shows: its daemon plans and removes.
        planned = await self.plan_clean(self.main.query_one(VolumesPane).endpoint)
        if planned is not None:
            await self.run_clean(*planned)
            self.refresh_disk_usage()

    @work(group="volume-history", exit_on_error=False)
    async def volume_details(self, volume: str) -> None:
        endpoint = self.main.query_one(VolumesPane).endpoint
        watch = self.watcher
        history: list[tuple[str, ...]] = []  # the volume's sizes and mounts are still worth it
        if isinstance(watch, AttachedWatch):  # the agent keeps the history
            try:
                async with AgentClient(watch.path, timeout=10.0) as client:
                    history = await client.volume_history(volume, endpoint)
            except (AgentUnavailable, AgentFailed, AgentRefused) as exc:
                self.notify(safe_line(f"volume history from the agent: {exc}"),
                            severity="warning", markup=False)
        else:
            try:
                history = list(self.ops.usage.volume_history(volume, endpoint))
            except StateUnavailable as exc:
                watch.store_failed(exc, "volume history")
            else:
                watch.store_worked(self.ops.usage.path, "volume history")
        self.push_screen(VolumeScreen(volume, self.state, history, endpoint))
