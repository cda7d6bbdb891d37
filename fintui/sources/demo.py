"""A simulated trading-desk cluster behind the ClusterSource interface.

Seeded and driven by a FixedClock that moves one refresh per sweep: the same seed and the
same number of sweeps give the same numbers, so screens are stable for snapshot tests.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fintui.clock import FixedClock
from fintui.core.swarm_nodes import node_from, placement_by_service, running_by_node
from fintui.model import (
    BuildCacheEntry,
    ClusterSnapshot,
    Container,
    ContainerStats,
    DiskUsage,
    Filesystem,
    Gpu,
    GpuProcess,
    GpuReading,
    Health,
    HostStats,
    ImageInfo,
    Mount,
    Service,
    SourceStatus,
    StoppedContainer,
    VolumeInfo,
)
from fintui.sources.base import ActionFailed, ContainerGone, ObjectGone
from fintui.sources.demo_growth import (
    FILESYSTEMS,
    HOST_MEMORY,
    MEMORY_GROWTH,
    VOLUME_GROWTH,
    days_since_start,
    history,
)
from fintui.sources.docker_engine import compose_services
from fintui.store.history import HistoryStore

# 09:30 in Shanghai on a Monday: the market has just opened.
DEMO_START = datetime(2026, 3, 2, 1, 30, 0, tzinfo=UTC)
DEMO_NODES = {"demo-trading-01": (32, 128), "demo-trading-02": (32, 128),
              "demo-gpu-01": (64, 512)}  # hostname: (CPUs, GiB of memory)
LOG_HISTORY = 2000  # lines each demo container has logged before the demo starts
GIB = 1024**3
MIB = 1024**2


@dataclass(frozen=True, slots=True)
class DemoSpec:
    name: str
    image: str
    service: str = ""
    project: str = ""
    behaviour: str = "steady"  # steady, batch, feed, crashloop, unhealthy, exited
    cpu: float = 10.0  # typical CPU%
    mem: int = 256 * MIB
    mem_limit: int = 2 * GIB
    age_hours: float = 30.0
    gpus: tuple[int, ...] = ()


SPECS: tuple[DemoSpec, ...] = (
    DemoSpec("pricing.1.k3j9x2a1", "quant/pricing-engine:2.4.1", "pricing", cpu=62,
             mem=1400 * MIB, mem_limit=4 * GIB, age_hours=3.1),
    DemoSpec("pricing.2.p8d0s7q4", "quant/pricing-engine:2.4.1", "pricing", cpu=55,
             mem=1350 * MIB, mem_limit=4 * GIB, age_hours=3.1),
    DemoSpec("pricing.3.x1m2n3b4", "quant/pricing-engine:2.4.1", "pricing", cpu=58,
             mem=1380 * MIB, mem_limit=4 * GIB, age_hours=0.4),
    DemoSpec("risk-var-batch-1", "risk/var-engine:1.9.0", "var-batch", "risk", "batch",
             cpu=140, mem=6 * GIB, mem_limit=16 * GIB, age_hours=11, gpus=(1,)),
    DemoSpec("agents-llm-infer-1", "ml/infer-agent:0.7.3", "llm-infer", "agents", cpu=85,
             mem=9 * GIB, mem_limit=24 * GIB, age_hours=50, gpus=(0,)),
    DemoSpec("agents-llm-infer-2", "ml/infer-agent:0.7.3", "llm-infer", "agents", cpu=80,
             mem=9 * GIB, mem_limit=24 * GIB, age_hours=50, gpus=(1,)),
    DemoSpec("md-feed-sse", "feeds/md-gateway:5.2.0", behaviour="feed", cpu=24,
             mem=512 * MIB, mem_limit=1 * GIB, age_hours=72),
    DemoSpec("recon-worker", "ops/recon:1.4.2", "recon", "backoffice", "crashloop", cpu=3,
             mem=90 * MIB, mem_limit=512 * MIB, age_hours=0.02),
    DemoSpec("fix-gateway", "fix/gateway:3.1.4", behaviour="unhealthy", cpu=7,
             mem=300 * MIB, mem_limit=1 * GIB, age_hours=6),
    DemoSpec("ledger-db", "db/ledger-pg:15.4", "ledger", "backoffice", cpu=12,
             mem=3 * GIB, mem_limit=8 * GIB, age_hours=400),
    DemoSpec("nightly-report", "ops/report:1.2.0", behaviour="exited", cpu=0, age_hours=14),
)


def _id(name: str) -> str:
    return hashlib.sha256(f"fintui-demo:{name}".encode()).hexdigest()


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
        self.restart_policy: dict[str, dict[str, Any]] = {}
        self.service_version = 11
        self.removed: set[str] = set()  # storage objects a cleanup removed
        # Three Swarm nodes; the pricing service's tasks are spread over the active ones.
        self.node_availability = {name: "active" for name in DEMO_NODES}
        self.node_version = 40

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
        containers = tuple(self._container(spec) for spec in self.specs)
        pricing = [c for c in containers if c.service == "pricing"]
        tasks = self.node_tasks_json()
        nodes = tuple(sorted((node_from(n, running_by_node(tasks)) for n in self.node_json()),
                             key=lambda n: (n.role != "manager", n.hostname)))
        services = (
            Service(id=_id("svc-pricing")[:25], name="pricing", mode="replicated", desired=3,
                    running=sum(c.state == "running" for c in pricing),
                    image="quant/pricing-engine:2.4.1",
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

    def node_json(self) -> list[dict[str, Any]]:
        """The nodes as GET /nodes returns them."""
        return [{"ID": _id(f"node-{name}")[:25], "Version": {"Index": self.node_version},
                 "Spec": {"Role": "manager" if i == 0 else "worker",
                          "Availability": self.node_availability[name]},
                 "Description": {"Hostname": name, "Engine": {"EngineVersion": "27.3.1"},
                                 "Resources": {"NanoCPUs": cpus * 10**9,
                                               "MemoryBytes": memory * GIB}},
                 "Status": {"State": "ready", "Addr": f"10.20.0.{11 + i}"},
                 **({"ManagerStatus": {"Leader": True}} if i == 0 else {})}
                for i, (name, (cpus, memory)) in enumerate(DEMO_NODES.items())]

    def node_tasks_json(self) -> list[dict[str, Any]]:
        """The pricing replicas, dealt round the active nodes (a drained one runs none)."""
        active = [name for name in DEMO_NODES if self.node_availability[name] == "active"]
        pricing = [s for s in self.specs if s.service == "pricing" and not s.project]
        return [{"ID": _id(s.name)[:25], "NodeID": _id(f"node-{active[i % len(active)]}")[:25],
                 "ServiceID": _id("svc-pricing")[:25], "DesiredState": "running",
                 "Status": {"State": "running"}}
                for i, s in enumerate(pricing) if active]

    async def disk_usage(self) -> DiskUsage:
        return self.storage()

    def storage(self) -> DiskUsage:
        """Storage of the simulated host: what the services use, and some stale leftovers."""
        now = self.clock.now()

        def days(n: float) -> datetime:
            return now - timedelta(days=n)

        names = sorted({f"{spec.service or spec.name}-data" for spec in self.specs
                        if spec.behaviour != "exited"})
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

    def _state(self, spec: DemoSpec) -> tuple[str, str, Health, int]:
        """state, status text, health, restart count."""
        if spec.name in self.paused:
            return "paused", "Up 3 hours (Paused)", Health.NONE, 0
        if spec.behaviour == "exited":
            return "exited", "Exited (0) 14 hours ago", Health.NONE, 0
        if spec.behaviour == "crashloop":
            restarts = 17 + self.tick // 3
            if self.tick % 3 == 2:
                return "restarting", "Restarting (1) 2 seconds ago", Health.NONE, restarts
            return "running", "Up 4 seconds", Health.NONE, restarts
        if spec.behaviour == "unhealthy":
            return "running", "Up 6 hours (unhealthy)", Health.UNHEALTHY, 0
        health = Health.HEALTHY if spec.service else Health.NONE
        suffix = " (healthy)" if health is Health.HEALTHY else ""
        return "running", f"Up {spec.age_hours:.0f} hours{suffix}", health, 0

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
            id=cid, name=spec.name, image=spec.image, state=state, status=status,
            health=health, created=started - timedelta(minutes=5),
            started_at=started if state == "running" else None,
            restart_count=restarts, service=spec.service, project=spec.project,
            labels=tuple(sorted(labels.items())),
            stats=self._stats(spec) if state == "running" else None,
            mounts=() if spec.behaviour == "exited" else (Mount(
                "volume", f"{spec.service or spec.name}-data",
                f"/var/lib/docker/volumes/{spec.service or spec.name}-data/_data", "/data",
                True),),
            finished_at=DEMO_START - timedelta(hours=spec.age_hours)
            if spec.behaviour == "exited" else None,
            exit_code=0 if spec.behaviour == "exited" else None,
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

    async def inspect(self, container_id: str) -> dict[str, Any]:
        spec = self._spec(container_id)
        container = self._container(spec)
        volume = spec.service or spec.name
        return {
            "Id": container.id, "Name": "/" + spec.name, "Created": "2026-03-01T00:00:00Z",
            "RestartCount": container.restart_count,
            "State": {"Status": container.state, "Paused": container.state == "paused",
                      "StartedAt": container.started_at.isoformat()
                      if container.started_at else "0001-01-01T00:00:00Z",
                      "ExitCode": 0 if spec.behaviour != "crashloop" else 1},
            "Config": {
                "Image": spec.image, "Cmd": ["/app/run", "--desk", "equities"],
                "Entrypoint": None, "Tty": False, "User": "app",
                "Env": ["TZ=Asia/Shanghai", "DB_PASSWORD=s3cr3t-demo", "VENUE=XSHG",
                        "PATH=/usr/local/bin:/usr/bin"],
                "Labels": dict(container.labels),
            },
            "HostConfig": {
                "RestartPolicy": self.restart_policy.get(spec.name, {
                    "Name": "always" if spec.service else "unless-stopped",
                    "MaximumRetryCount": 0}),
                "NanoCpus": 4_000_000_000 if spec.cpu > 50 else 0,
                "Memory": spec.mem_limit, "MemoryReservation": 0, "PidsLimit": 4096,
                "DeviceRequests": [{"Driver": "nvidia", "DeviceIDs": [str(g) for g in spec.gpus],
                                    "Capabilities": [["gpu"]]}] if spec.gpus else None,
            },
            "Mounts": [{"Type": "volume", "Name": f"{volume}-data",
                        "Source": f"/var/lib/docker/volumes/{volume}-data/_data",
                        "Destination": "/data", "RW": True}],
            "NetworkSettings": {"Networks": {
                net: {"IPAddress": f"10.20.0.{2 + self.specs.index(spec)}", "Aliases": aliases}
                for net, aliases in self.networks.get(spec.name,
                                                      {"desk-net": [volume]}).items()}},
        }

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

    async def logs(self, container_id: str, tail: int, follow: bool) -> AsyncIterator[str]:
        spec = self._spec(container_id)
        end = LOG_HISTORY + max(self.tick, 0)
        for n in range(max(0, end - tail), end):
            yield self._log_line(spec, n)
        while follow:
            await asyncio.sleep(self.step)
            end += 1
            yield self._log_line(spec, end)

    async def events(self) -> AsyncIterator[dict[str, Any]]:
        # The simulation changes only on sweeps; there is nothing to push.
        await asyncio.Event().wait()
        yield {}

    async def close(self) -> None:
        return None


class DemoActions:
    """ClusterActions on the simulated cluster: operations work in the demo as on a daemon."""

    def __init__(self, cluster: DemoCluster) -> None:
        self.cluster = cluster

    def _spec(self, container_id: str) -> DemoSpec:
        return self.cluster._spec(container_id)

    async def inspect(self, container_id: str) -> dict[str, Any]:
        return await self.cluster.inspect(container_id)

    async def list_containers(self, labels: dict[str, str]) -> list[dict[str, Any]]:
        out = []
        for spec in self.cluster.specs:
            container = self.cluster._container(spec)
            have = dict(container.labels)
            if all(have.get(k) == v for k, v in labels.items()):
                out.append({"Id": container.id, "Names": [f"/{spec.name}"],
                            "Image": spec.image, "State": container.state, "Labels": have})
        return out

    async def logs_text(self, container_id: str, lines: int) -> str:
        return "".join([f"{line}\n" async for line in self.cluster.logs(container_id, lines,
                                                                         follow=False)])

    async def changes(self, container_id: str) -> list[dict[str, Any]]:
        self._spec(container_id)
        return [{"Kind": 1, "Path": "/tmp/orders.spill"}, {"Kind": 0, "Path": "/var/log/app"}]

    async def stats_once(self, container_id: str) -> dict[str, Any]:
        spec = self._spec(container_id)
        stats = self.cluster._stats(spec)
        return {"memory_stats": {"usage": stats.mem_bytes, "limit": stats.mem_limit_bytes}}

    async def top(self, container_id: str) -> dict[str, Any]:
        self._spec(container_id)
        return {"Titles": ["PID", "CMD"], "Processes": [["4242", "/app/run --desk equities"]]}

    async def network_disconnect(self, network: str, container_id: str) -> None:
        spec = self._spec(container_id)
        nets = self.cluster.networks.setdefault(spec.name, {"desk-net": [spec.service
                                                                         or spec.name]})
        nets.pop(network, None)

    async def network_connect(self, network: str, container_id: str,
                              endpoint: dict[str, Any]) -> None:
        spec = self._spec(container_id)
        self.cluster.networks.setdefault(spec.name, {})[network] = list(
            endpoint.get("Aliases") or [])

    async def set_restart_policy(self, container_id: str, policy: dict[str, Any]) -> None:
        self.cluster.restart_policy[self._spec(container_id).name] = dict(policy)

    async def pause(self, container_id: str) -> None:
        self.cluster.paused.add(self._spec(container_id).name)

    async def unpause(self, container_id: str) -> None:
        self.cluster.paused.discard(self._spec(container_id).name)

    async def create(self, name: str, body: dict[str, Any]) -> str:
        labels = body.get("Labels") or {}
        template = next((s for s in self.cluster.specs if s.image == body.get("Image")), None)
        spec = DemoSpec(name, str(body.get("Image")),
                        labels.get("com.docker.compose.service")
                        or labels.get("com.docker.swarm.service.name", ""),
                        labels.get("com.docker.compose.project", ""),
                        cpu=template.cpu if template else 10.0,
                        mem=template.mem if template else 256 * MIB,
                        mem_limit=template.mem_limit if template else 2 * GIB, age_hours=0.0)
        self.cluster.specs.append(spec)
        return _id(name)

    async def start(self, container_id: str) -> None:
        self._spec(container_id)

    async def stop_and_remove(self, container_id: str) -> None:
        self.cluster.specs.remove(self._spec(container_id))

    def _pricing(self) -> list[DemoSpec]:
        return [s for s in self.cluster.specs if s.service == "pricing" and not s.project]

    async def service(self, service: str) -> dict[str, Any]:
        if service not in ("pricing", _id("svc-pricing")[:25]):
            raise ActionFailed(f"no Swarm service named {service!r}", 404)
        return {"ID": _id("svc-pricing")[:25], "Version": {"Index": self.cluster.service_version},
                "Spec": {"Name": "pricing", "Mode": {"Replicated": {
                    "Replicas": len(self._pricing())}}}}

    async def update_service(self, service_id: str, version: int,
                             spec: dict[str, Any]) -> None:
        if version != self.cluster.service_version:
            raise ActionFailed("update out of sequence", 500)
        self.cluster.service_version += 1
        wanted = int(spec["Mode"]["Replicated"]["Replicas"])
        members = self._pricing()
        for extra in members[wanted:]:
            self.cluster.specs.remove(extra)
        for n in range(len(members) + 1, wanted + 1):
            name = f"pricing.{n}.{_id(f'pricing-{n}')[:8]}"
            self.cluster.specs.append(DemoSpec(name, SPECS[0].image, "pricing", cpu=SPECS[0].cpu,
                                               mem=SPECS[0].mem, mem_limit=SPECS[0].mem_limit,
                                               age_hours=0.0))

    async def _storage(self, kind: str, object_id: str) -> Any:
        df = await self.cluster.disk_usage()
        pools: dict[str, Any] = {"volume": df.volumes, "image": df.images,
                                 "container": df.containers, "build-cache": df.build_cache}
        for item in pools[kind]:
            if object_id in (getattr(item, "name", None), getattr(item, "id", None)):
                return item
        raise ObjectGone(object_id)

    async def storage_labels(self, kind: str, object_id: str) -> dict[str, str]:
        return dict(getattr(await self._storage(kind, object_id), "labels", ()))

    async def storage_users(self, kind: str, object_id: str) -> list[str]:
        item = await self._storage(kind, object_id)
        if kind == "volume":
            return [s.name for s in self.cluster.specs if s.behaviour != "exited"
                    and f"{s.service or s.name}-data" == item.name]
        if kind == "image":
            return [s.name for s in self.cluster.specs if s.image in item.tags]
        return []

    async def remove_storage(self, kind: str, object_id: str) -> None:
        item = await self._storage(kind, object_id)
        if kind == "container":
            self.cluster.specs.remove(self.cluster._spec(object_id))
        else:
            self.cluster.removed.add(getattr(item, "name", "") if kind == "volume" else item.id)

    async def nodes(self) -> list[dict[str, Any]]:
        return self.cluster.node_json()

    async def update_node(self, node_id: str, version: int, spec: dict[str, Any]) -> None:
        if version != self.cluster.node_version:
            raise ActionFailed("update out of sequence", 500)
        for node in self.cluster.node_json():
            if node["ID"] == node_id:
                self.cluster.node_availability[node["Description"]["Hostname"]] = \
                    spec["Availability"]
                self.cluster.node_version += 1
                return
        raise ActionFailed(f"node {node_id} not found", 404)

    async def node_tasks(self, node_id: str) -> list[dict[str, Any]]:
        return [t for t in self.cluster.node_tasks_json() if t["NodeID"] == node_id]

    async def service_tasks(self, service_id: str) -> list[dict[str, Any]]:
        return [{"ID": _id(s.name)[:25], "DesiredState": "running",
                 "Status": {"State": "paused" if s.name in self.cluster.paused else "running"}}
                for s in self._pricing()]


class DemoGpus:
    """Two simulated H100s: the inference agents on them, one card running hot, and the risk
    batch holding a GPU it does not use."""

    def __init__(self, cluster: DemoCluster) -> None:
        self.cluster = cluster

    async def sample(self) -> GpuReading:
        return self.reading()

    def reading(self) -> GpuReading:
        cluster = self.cluster
        gpus = []
        pids: list[tuple[int, str]] = []
        for index in (0, 1):
            rng = cluster._rng("gpu", index, cluster.tick)
            owners = [s for s in cluster.specs if index in s.gpus and s.name.startswith("agents")
                      and s.name not in cluster.paused]
            processes = []
            for n, spec in enumerate(owners):
                pid = 4242 + 100 * index + n
                processes.append(GpuProcess(pid, 58 * GIB + index * 9 * GIB,
                                            "python -m infer_agent.serve --model fin-llm-13b",
                                            "compute"))
                pids.append((pid, _id(spec.name)))
            hot = index == 1
            gpus.append(Gpu(
                index=index, name="NVIDIA H100 80GB HBM3 (simulated)",
                uuid=f"GPU-{_id(f'gpu{index}')[:8]}-demo",
                util_percent=round(min(99.0, (88 if hot else 64) + rng.uniform(-6, 6)), 0),
                mem_util_percent=round((41 if hot else 33) + rng.uniform(-4, 4), 0),
                mem_used_bytes=sum(p.used_bytes or 0 for p in processes) + 600 * MIB,
                mem_total_bytes=80 * GIB,
                temperature_c=83.0 if hot else 61.0,
                power_watts=round((612 if hot else 455) + rng.uniform(-20, 20), 1),
                power_limit_watts=700.0, fan_percent=None,  # data-centre cards have no fan
                sm_clock_mhz=1755 if hot else 1980, mem_clock_mhz=2619,
                throttle_reasons=("sw_thermal_slowdown",) if hot else (),
                ecc_corrected=3 if hot else 0, ecc_uncorrected=0, mig_mode="disabled",
                processes=tuple(processes)))
        return GpuReading(tuple(gpus), "", tuple(pids))

    async def close(self) -> None:
        return None


class DemoHost:
    """HostSource for the demo: the simulated host of the same cluster."""

    def __init__(self, cluster: DemoCluster) -> None:
        self.cluster = cluster

    async def sample(self, data_root: str, bind_sources: tuple[str, ...] = ()) -> HostStats:
        return self.cluster.host()


_SEEDED: dict[int, HistoryStore] = {}  # seed -> a finished copy, for the next demo in this
# process (the test suite starts hundreds)


def seed_history(cluster: DemoCluster, gpus: DemoGpus, store: HistoryStore) -> None:
    """Four weeks of history ending at DEMO_START, so the Forecasts pane is full at once."""
    done = _SEEDED.get(cluster.seed)
    if done is not None and done.path.exists():
        done.copy_to(store)
        return
    disk = cluster.storage()
    storage = {("volume", v.name): float(v.size_bytes or 0) for v in disk.volumes}
    storage[("images", "all")] = float(disk.layers_size)
    storage[("build-cache", "all")] = float(sum(b.size_bytes for b in disk.build_cache))
    memory = {spec.name: (float(spec.mem), float(spec.mem_limit), spec.age_hours / 24)
              for spec in cluster.specs if spec.behaviour in ("steady", "feed", "batch")}
    cards = {f"gpu{g.index}": (float(g.mem_used_bytes or 0), float(g.mem_total_bytes or 0))
             for g in gpus.reading().gpus}
    store.record_many(history(cluster.seed, storage, memory, cards, DEMO_START))
    import tempfile
    from pathlib import Path

    # Kept apart: the demo's own folder may be emptied by the next start.
    cache = HistoryStore(Path(tempfile.mkdtemp(prefix="fintui-demo-seed-")) / "h.sqlite")
    store.copy_to(cache)
    _SEEDED[cluster.seed] = cache
