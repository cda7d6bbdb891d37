"""A container's everyday acts on the simulated cluster (capabilities.Lifecycle): the demo's
containers really change, so the next sweep shows a stopped one exited, a removed one gone and
a restarted one with a new start time. DemoActions inherits them."""

from __future__ import annotations

from dataclasses import replace

from fintui.core.container_lifecycle import SIGNALS
from fintui.sources.base import ActionFailed
from fintui.sources.demo import DemoCluster, DemoSpec

# Signals a demo workload dies of (a real one may handle SIGTERM, but these do not); any
# other is delivered and handled: the container runs on.
FATAL = frozenset({"SIGKILL", "SIGTERM", "SIGINT", "SIGQUIT", "SIGABRT"})


class DemoLifecycle:
    cluster: DemoCluster

    def _running_spec(self, container_id: str, act: str) -> DemoSpec:
        """The container, refused as the daemon would where it does not run."""
        spec = self.cluster._spec(container_id)
        if spec.name in self.cluster.paused and act in ("kill", "restart"):
            raise ActionFailed(f"cannot {act} container {spec.name}: it is paused", 409)
        if not self._runs(spec):
            raise ActionFailed(f"cannot {act} container {spec.name}: it is not running", 409)
        return spec

    def _runs(self, spec: DemoSpec) -> bool:
        return spec.behaviour != "exited" and spec.name not in self.cluster.exited

    def _exit(self, spec: DemoSpec, code: int) -> None:
        self.cluster.paused.discard(spec.name)
        self.cluster.started.pop(spec.name, None)
        self.cluster.exited[spec.name] = self.cluster.clock.now()
        self.cluster.exit_codes[spec.name] = code

    def _run(self, spec: DemoSpec) -> None:
        """Start a stopped container (a one-shot job that had finished runs as a steady one)."""
        cluster = self.cluster
        if spec.behaviour == "exited":
            cluster.specs[cluster.specs.index(spec)] = spec = replace(spec, behaviour="steady")
        cluster.exited.pop(spec.name, None)
        cluster.exit_codes.pop(spec.name, None)
        if spec.behaviour != "crashloop":  # that one's start time is its own crash cycle
            cluster.started[spec.name] = cluster.clock.now()

    async def restart(self, container_id: str) -> None:
        spec = self.cluster._spec(container_id)
        if spec.name in self.cluster.paused:
            raise ActionFailed(f"cannot restart container {spec.name}: it is paused", 409)
        self._run(spec)

    async def stop(self, container_id: str) -> None:
        spec = self.cluster._spec(container_id)
        if self._runs(spec):  # stopping a stopped one is no error (the daemon's 304)
            self._exit(spec, 0)

    async def kill(self, container_id: str, signal: str) -> None:
        spec = self._running_spec(container_id, "kill")
        if signal in FATAL:
            self._exit(spec, 128 + SIGNALS.get(signal, 9))

    async def remove_container(self, container_id: str) -> None:
        spec = self.cluster._spec(container_id)
        if self._runs(spec):
            raise ActionFailed(f"cannot remove container {spec.name}: it is running: stop it "
                               "before removing it", 409)
        self.cluster.specs.remove(spec)
        if spec.behaviour != "exited":  # its named volume stays, now used by nobody
            self.cluster.left_volumes.add(self.cluster.data_mount(spec).name)
        for marks in (self.cluster.exited, self.cluster.exit_codes, self.cluster.started):
            marks.pop(spec.name, None)
