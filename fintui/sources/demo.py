"""A simulated trading-desk cluster behind the ClusterSource interface.

Seeded and driven by a FixedClock that moves one refresh per sweep: the same seed and the
same number of sweeps give the same numbers, so screens are stable for snapshot tests.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import AsyncIterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from fintui.clock import FixedClock
from fintui.core.swarm_nodes import placement_by_service, running_by_node
from fintui.model import (
    BuildCacheEntry,
    ClusterSnapshot,
    Container,
    ContainerDetails,
    ContainerStats,
    DiskUsage,
    Filesystem,
    Health,
    HostStats,
    ImageInfo,
    Mount,
    Node,
    Service,
    SourceStatus,
    StoppedContainer,
    VolumeInfo,
)
from fintui.model_ops import RestartPolicy, TaskFacts
from fintui.sources.base import ContainerGone
from fintui.sources.demo_cast import (  # the cast, and what the demo always exported
    CRASH_RESTARTS,
    DEMO_COMMAND,
    DEMO_ENV,
    DEMO_NODES,
    DEMO_START,
    GIB,
    LOG_HISTORY,
    MIB,
    SPECS,
    DemoSpec,
    _id,
    status_ago,
)
from fintui.sources.demo_devices import DemoGpus, DemoHost
from fintui.sources.demo_growth import (
    FILESYSTEMS,
    HOST_MEMORY,
    MEMORY_GROWTH,
    VOLUME_GROWTH,
    days_since_start,
)
from fintui.sources.demo_health import demo_health
from fintui.sources.demo_images import image_id, with_image_facts
from fintui.sources.demo_releases import DemoUpdate
from fintui.sources.engine_rows import compose_services

__all__ = ["DEMO_NODES", "DEMO_START", "LOG_HISTORY", "SPECS", "DemoCluster", "DemoGpus",
           "DemoHost", "DemoSpec"]


class DemoCluster:
    """ClusterSource for `fintui --demo`."""

    def __init__(self, seed: int, clock: FixedClock, step_seconds: float) -> None:
        self.seed = seed
        self.clock = clock
        self.step = step_seconds
        self.endpoint = "demo://trading-desk"
        self.tick = -1
        self._counters: dict[str, list[int]] = {}
        # What operations changed: the cast, and per-container state on top of the script.
        self.specs: list[DemoSpec] = list(SPECS)
        self.paused: set[str] = set()
        self.networks: dict[str, dict[str, list[str]]] = {}  # name -> network -> aliases
        self.restart_policy: dict[str, RestartPolicy] = {}
        self.removed: set[str] = set()  # storage objects a cleanup removed
        self.pricing_replicas = 3  # the Swarm service's desired count, as scaling set it
        # Its image, the one before its last update, and that update (demo_releases.py).
        self.pricing_image = SPECS[0].image
        self.pricing_previous = ""
        self.pricing_update: DemoUpdate | None = None
        # A crash-looping container's restarts so far, and when one stopped for good (its
        # restart policy `no`, as isolating sets it: it stays exited after its next crash).
        self.restarts: dict[str, int] = {}
        self.exited: dict[str, datetime] = {}
        # Marks of the everyday acts (demo_lifecycle.py): start, exit code, volumes kept.
        self.started: dict[str, datetime] = {}
        self.exit_codes: dict[str, int] = {}
        self.left_volumes: set[str] = set()
        # Three Swarm nodes; the pricing service's tasks are spread over the active ones.
        self.node_availability = {name: "active" for name in DEMO_NODES}

    @property
    def days(self) -> float:
        """Simulated days since DEMO_START: growth follows the clock, not the refresh rate."""
        return days_since_start(self.clock.now(), DEMO_START)

    def _rng(self, *parts: object) -> random.Random:
        # str seeds hash with SHA-512 inside random: stable across processes, unlike hash().
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))

    async def sweep(self) -> ClusterSnapshot:
        self.tick += 1
        if self.tick:
            self.clock.advance(self.step)
            self._crash_loops()
        containers = tuple(self._container(spec) for spec in self.specs)
        pricing = [c for c in containers if c.service == "pricing"]
        tasks = self.node_tasks()
        nodes = tuple(sorted(self.nodes(running_by_node(tasks)),
                             key=lambda n: (n.role != "manager", n.hostname)))
        services = (
            # Swarm counts a paused task as running (it does not replace it).
            Service(id=_id("svc-pricing")[:25], name="pricing", mode="replicated",
                    desired=self.pricing_replicas,
                    running=sum(c.state in ("running", "paused") for c in pricing),
                    image=self.pricing_image,
                    placement=placement_by_service(tasks, nodes).get(_id("svc-pricing")[:25],
                                                                     ())),
            *compose_services(containers),
        )
        return ClusterSnapshot(
            taken_at=self.clock.now(),
            source=SourceStatus(endpoint=self.endpoint, connected=True,
                                engine_version="27.3.1 (simulated)", api_version="1.47",
                                data_root="/var/lib/docker"),
            containers=containers,
            services=services,
            nodes=nodes,
        )

    def nodes(self, tasks: Mapping[str, int]) -> list[Node]:
        """The Swarm nodes, each with its number of tasks from `tasks` (by node id)."""
        return [Node(id=_id(f"node-{name}")[:25], hostname=name,
                     role="manager" if i == 0 else "worker",
                     availability=self.node_availability[name], state="ready",
                     engine_version="27.3.1", cpus=float(cpus), memory_bytes=memory * GIB,
                     address=f"10.20.0.{11 + i}", leader=i == 0,
                     tasks=tasks.get(_id(f"node-{name}")[:25], 0))
                for i, (name, (cpus, memory)) in enumerate(DEMO_NODES.items())]

    def task_placement(self) -> list[tuple[str, str]]:
        """(task id, node id) of each pricing replica, dealt round the active nodes (a drained
        one runs none)."""
        active = [name for name in DEMO_NODES if self.node_availability[name] == "active"]
        pricing = [s for s in self.specs if s.service == "pricing" and not s.project]
        return [(_id(s.name)[:25], _id(f"node-{active[i % len(active)]}")[:25])
                for i, s in enumerate(pricing) if active]

    def node_tasks(self) -> list[TaskFacts]:
        """The pricing service's tasks, for the sweep's Nodes pane."""
        return [TaskFacts(task, "running", "running", node_id=node,
                          service_id=_id("svc-pricing")[:25])
                for task, node in self.task_placement()]

    def restart_policy_of(self, spec: DemoSpec) -> RestartPolicy:
        return self.restart_policy.get(spec.name, RestartPolicy(
            "always" if spec.service else "unless-stopped", 0))

    async def disk_usage(self) -> DiskUsage:
        return self.storage()

    def storage(self) -> DiskUsage:
        """Storage of the simulated host: what the services use, and some stale leftovers."""
        now = self.clock.now()

        def days(n: float) -> datetime:
            return now - timedelta(days=n)

        names = sorted({f"{spec.service or spec.name}-data" for spec in self.specs
                        if spec.behaviour != "exited"} | self.left_volumes)
        volumes = [VolumeInfo(name, "local", f"/var/lib/docker/volumes/{name}/_data", days(30),
                              (), int((3 + i) * GIB + VOLUME_GROWTH.get(name, 0) * self.days), 1)
                   for i, name in enumerate(names)]
        volumes += [
            VolumeInfo("3f1c9a7e" * 8, "local", "/var/lib/docker/volumes/anon/_data", days(12),
                       (), 2 * GIB, 0),
            VolumeInfo("old-backtest-cache", "local", "/var/lib/docker/volumes/obc/_data",
                       days(40), (), 11 * GIB, 0),
            VolumeInfo("tick-archive-2025", "local", "/var/lib/docker/volumes/ta/_data",
                       days(300), (("fintui.protect", "true"),), 96 * GIB, 0),
        ]
        images = [ImageInfo(f"sha256:{_id(image)}", (image,), 800 * MIB, 120 * MIB, 1, days(20),
                            ()) for image in sorted({spec.image for spec in self.specs})]
        images += [
            ImageInfo(f"sha256:{_id('pricer-old')}", ("quant/pricing-engine:2.3.9",), 780 * MIB,
                      120 * MIB, 0, days(45), ()),
            ImageInfo(f"sha256:{_id('infer-old')}", ("ml/infer-agent:0.6.0",), 6 * GIB,
                      0, 0, days(60), ()),
            ImageInfo(f"sha256:{_id('dangling')}", (), 310 * MIB, 0, 0, days(9), ()),
        ]
        images = [i for i in images if i.id not in self.removed]
        volumes = [v for v in volumes if v.name not in self.removed]
        containers = [StoppedContainer(_id(spec.name), spec.name, spec.image,
                                       self._state(spec)[0], 64 * MIB, ())
                      for spec in self.specs]
        cache = [BuildCacheEntry(f"bc{n}", "regular", size, in_use, False, days(age),
                                 days(age), f"RUN pip install -r requirements-{n}.txt")
                 for n, size, in_use, age in ((1, 1200 * MIB, False, 20), (2, 300 * MIB, True, 1))
                 if f"bc{n}" not in self.removed]
        return DiskUsage(now, sum(i.size_bytes - i.shared_bytes for i in images) + 240 * MIB,
                         tuple(volumes), tuple(images), tuple(containers), tuple(cache),
                         "overlay2", "/var/lib/docker")

    def _wave(self, spec: DemoSpec, period_ticks: float) -> float:
        phase = self._rng("phase", spec.name).random() * 2 * math.pi
        return math.sin(self.tick * 2 * math.pi / period_ticks + phase)

    def _crash_loops(self) -> None:
        """One sweep of each crash-looping container: it crashes every third sweep (then
        reads `restarting`) and Docker starts it again on the next, one restart more. With
        restart policy `no` it stays exited after its crash; paused, nothing happens."""
        for spec in self.specs:
            if spec.behaviour != "crashloop" or spec.name in self.paused \
                    or spec.name in self.exited:
                continue
            if self.tick % 3 == 2 and self.restart_policy_of(spec).name in ("no", ""):
                self.exited[spec.name] = self.clock.now()
            elif self.tick % 3 == 0:
                self.restarts[spec.name] = self.restarts.get(spec.name, CRASH_RESTARTS) + 1

    def _state(self, spec: DemoSpec) -> tuple[str, str, Health, int]:
        """state, status text, health, restart count."""
        restarts = self.restarts.get(spec.name, CRASH_RESTARTS) \
            if spec.behaviour == "crashloop" else 0
        if spec.name in self.paused:
            return "paused", "Up 3 hours (Paused)", Health.NONE, restarts
        if spec.behaviour == "exited":
            return "exited", "Exited (0) 14 hours ago", Health.NONE, 0
        if spec.name in self.exited:
            ago = (self.clock.now() - self.exited[spec.name]).total_seconds()
            code = self.exit_codes.get(spec.name, 1)
            return "exited", f"Exited ({code}) {status_ago(ago)}", Health.NONE, restarts
        if spec.behaviour == "crashloop":
            if self.tick % 3 == 2:
                return "restarting", "Restarting (1) 2 seconds ago", Health.NONE, restarts
            return "running", "Up 4 seconds", Health.NONE, restarts
        if spec.behaviour == "unhealthy":
            return "running", "Up 6 hours (unhealthy)", Health.UNHEALTHY, 0
        health = Health.HEALTHY if spec.service else Health.NONE
        suffix = " (healthy)" if health is Health.HEALTHY else ""
        up = f"{spec.age_hours:.0f} hours" if spec.name not in self.started else \
            status_ago((self.clock.now() - self.started[spec.name]).total_seconds())[:-4]
        return "running", f"Up {up}{suffix}", health, 0

    def _container(self, spec: DemoSpec) -> Container:
        state, status, health, restarts = self._state(spec)
        cid = _id(spec.name)
        labels = {"fintui.demo": "true", "desk": "equities"}
        if spec.project:
            labels.update({"com.docker.compose.project": spec.project,
                           "com.docker.compose.service": spec.service,
                           "com.docker.compose.container-number":
                               spec.name.rsplit("-", 1)[-1] if spec.name[-1].isdigit()
                               else "1"})
        elif spec.service:
            labels["com.docker.swarm.service.name"] = spec.service
            labels["com.docker.swarm.service.id"] = _id(f"svc-{spec.service}")[:25]
        started = DEMO_START - timedelta(hours=spec.age_hours)
        if spec.behaviour == "crashloop":  # every restart starts the clock again
            started = self.clock.now() - timedelta(seconds=4 + (self.tick % 3) * self.step)
        return Container(
            id=cid, name=spec.name, image=spec.image, image_id=image_id(spec.image),
            state=state, status=status,
            # created once: a crash loop restarts the same container
            health=health, created=DEMO_START - timedelta(hours=spec.age_hours, minutes=5),
            started_at=self.started.get(spec.name, started) if state == "running" else None,
            restart_count=restarts, service=spec.service, project=spec.project,
            labels=tuple(sorted(labels.items())),
            stats=self._stats(spec) if state == "running" else None,
            mounts=() if spec.behaviour == "exited" else (self.data_mount(spec),),
            finished_at=DEMO_START - timedelta(hours=spec.age_hours)
            if spec.behaviour == "exited" else self.exited.get(spec.name),
            exit_code=0 if spec.behaviour == "exited"
            else self.exit_codes.get(spec.name, 1) if spec.name in self.exited
            else None,
            gpu_request=",".join(str(g) for g in spec.gpus),
        )

    def _stats(self, spec: DemoSpec) -> ContainerStats:
        rng = self._rng("stats", spec.name, self.tick)
        if spec.behaviour == "batch":
            cpu = max(2.0, spec.cpu * (0.5 + 0.5 * self._wave(spec, 40)) + rng.uniform(-4, 4))
        else:
            cpu = max(0.1, spec.cpu * (1 + 0.25 * self._wave(spec, 25)) + rng.uniform(-3, 3))
        counters = self._counters.setdefault(spec.name, [0, 0, 0, 0])
        feed = 40 if spec.behaviour == "feed" else 1
        counters[0] += int(rng.uniform(20, 60) * 1024 * feed * self.step)  # net rx
        counters[1] += int(rng.uniform(5, 20) * 1024 * feed * self.step)  # net tx
        counters[2] += int(rng.uniform(0, 64) * 1024 * self.step)  # block read
        counters[3] += int(rng.uniform(0, 256) * 1024 * self.step)  # block write
        leak = MEMORY_GROWTH.get(spec.name, 0)  # a leaker climbs steadily, without the wave
        mem = int(spec.mem * (1 + (0 if leak else 0.04) * self._wave(spec, 60))
                  + leak * self.days)
        return ContainerStats(
            cpu_percent=round(cpu, 2), mem_bytes=mem, mem_limit_bytes=spec.mem_limit,
            net_rx_bytes=counters[0], net_tx_bytes=counters[1],
            blk_read_bytes=counters[2], blk_write_bytes=counters[3], pids=4 + len(spec.name) % 9,
        )

    def host(self) -> HostStats:
        rng = self._rng("host", self.tick)
        return HostStats(
            hostname="demo-trading-01", cpu_percent=round(38 + 9 * math.sin(self.tick / 7)
                                                          + rng.uniform(-2, 2), 1),
            cpu_count=32, mem_used_bytes=int(HOST_MEMORY.at(self.days)),
            mem_total_bytes=int(HOST_MEMORY.capacity or 0), load=(11.2, 10.8, 9.9),
            filesystems=tuple(Filesystem(path, int(curve.capacity or 0),
                                         int(curve.at(self.days)))
                              for path, curve in FILESYSTEMS.items()),
        )

    def _spec(self, container_id: str) -> DemoSpec:
        for spec in self.specs:
            if _id(spec.name) == container_id or spec.name == container_id:
                return spec
        raise ContainerGone(container_id)

    def data_mount(self, spec: DemoSpec) -> Mount:
        """The volume each demo container keeps its data on."""
        volume = f"{spec.service or spec.name}-data"
        return Mount("volume", volume, f"/var/lib/docker/volumes/{volume}/_data", "/data", True)

    async def details(self, container_id: str) -> ContainerDetails:
        spec = self._spec(container_id)
        container = self._container(spec)
        policy = self.restart_policy_of(spec)
        address = f"10.20.0.{2 + self.specs.index(spec)}"
        networks = self.networks.get(spec.name, {"desk-net": [spec.service or spec.name]})
        return with_image_facts(spec, container, self.specs, ContainerDetails(
            id=container.id, image=spec.image, state=container.state,
            exit_code=1 if spec.behaviour == "crashloop" else 0,
            restarts=container.restart_count,
            started=container.started_at.isoformat() if container.started_at else "",
            user="app", command=DEMO_COMMAND,
            env=tuple((item.partition("=")[0], True) for item in DEMO_ENV),
            mounts=(self.data_mount(spec),),
            networks=tuple((net, address, tuple(aliases))
                           for net, aliases in sorted(networks.items())),
            labels=container.labels, restart_policy=policy.label,
            restart_retries=policy.max_retries or 0,
            cpus=4.0 if spec.cpu > 50 else None, memory_bytes=spec.mem_limit, pids_limit=4096,
            devices=(("nvidia", ",".join(str(g) for g in spec.gpus)),) if spec.gpus else (),
            health=demo_health(spec, self.seed, self.clock.now()),
            instance_names=tuple(sorted({spec.name, container.id[:12]}))))

    def _log_line(self, spec: DemoSpec, n: int) -> str:
        rng = self._rng("log", spec.name, n)
        # Line LOG_HISTORY is written at the demo's start, the others 3 s apart.
        at = (DEMO_START + timedelta(seconds=(n - LOG_HISTORY) * 3)).strftime("%H:%M:%S")
        if spec.behaviour == "crashloop" and n % 7 == 6:
            return f"{at} ERROR reconciliation failed: ledger snapshot missing, exiting 1"
        if spec.behaviour == "unhealthy" and n % 5 == 4:
            return f"{at} WARN heartbeat to venue FIX session [XSHG] timed out"
        venue = rng.choice(["XSHG", "XSHE", "HKEX", "SGX"])
        return f"{at} INFO {spec.service or spec.name} processed {rng.randint(80, 900)} " \
               f"msgs venue={venue} p99={rng.uniform(0.2, 4.0):.2f}ms"

    def _logged(self, spec: DemoSpec, n: int, timestamps: bool) -> str:
        if not timestamps:
            return self._log_line(spec, n)
        # As the daemon's `timestamps=1`: RFC 3339 with nanoseconds, from the demo's own clock.
        at = DEMO_START + timedelta(seconds=(n - LOG_HISTORY) * 3)
        return f"{at:%Y-%m-%dT%H:%M:%S}.000000000Z {self._log_line(spec, n)}"

    async def logs(self, container_id: str, tail: int, follow: bool,
                   timestamps: bool = False) -> AsyncIterator[str]:
        spec = self._spec(container_id)
        end = LOG_HISTORY + max(self.tick, 0)
        for n in range(max(0, end - tail), end):
            yield self._logged(spec, n, timestamps)
        # As `docker logs -f`: an exited container's stream ends after what it wrote.
        while follow and self._state(spec)[0] != "exited":
            await asyncio.sleep(self.step)
            if self._state(spec)[0] == "paused":  # isolated: frozen, it writes nothing
                continue
            end += 1
            yield self._logged(spec, end, timestamps)

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        # The simulation changes only on sweeps; there is nothing to push.
        await asyncio.Event().wait()
        yield {}

    async def close(self) -> None:
        return None
