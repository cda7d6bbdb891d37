"""ClusterActions on the simulated cluster: operations work in the demo as on a daemon, acting
on the simulation directly (its facts are made here, not read from faked Engine JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from fintui.model import Health, Node
from fintui.model_ops import (
    PROJECT,
    SERVICE,
    SWARM_SERVICE_NAME,
    ContainerFacts,
    NetworkAttachment,
    RestartPolicy,
    ServiceFacts,
    TaskFacts,
)
from fintui.sources.base import NodeGone, NoSuchService, ObjectGone
from fintui.sources.capabilities import Document
from fintui.sources.demo import DemoCluster
from fintui.sources.demo_cast import DEMO_ENV, DEMO_NODES, GIB, MIB, SPECS, DemoSpec, _id
from fintui.sources.demo_health import health_document
from fintui.sources.demo_lifecycle import DemoLifecycle
from fintui.sources.demo_releases import DemoReleases, fails

PRICING_ID = _id("svc-pricing")[:25]


class DemoActions(DemoLifecycle, DemoReleases):
    def __init__(self, cluster: DemoCluster) -> None:
        self.cluster = cluster

    def _spec(self, container_id: str) -> DemoSpec:
        return self.cluster._spec(container_id)

    def _networks(self, spec: DemoSpec) -> dict[str, list[str]]:
        return self.cluster.networks.get(spec.name, {"desk-net": [spec.service or spec.name]})

    def _facts(self, spec: DemoSpec, full: bool) -> ContainerFacts:
        container = self.cluster._container(spec)
        facts = ContainerFacts(container.id, spec.name, container.state, spec.image,
                               dict(container.labels))
        if not full:
            return facts
        facts = replace(facts, health="" if container.health is Health.NONE
                        else str(container.health), exit_code=container.exit_code,
                        restarts=container.restart_count)
        instance = {spec.name, container.id[:12]}  # aliases naming this one instance
        networks = tuple(NetworkAttachment(net, tuple(a for a in aliases if a not in instance))
                         for net, aliases in sorted(self._networks(spec).items()))
        return replace(facts, networks=networks,
                       restart_policy=self.cluster.restart_policy_of(spec))

    # ---- containers ----------------------------------------------------------------------

    async def container(self, container_id: str) -> ContainerFacts:
        return self._facts(self._spec(container_id), full=True)

    async def containers(self, labels: Mapping[str, str]) -> list[ContainerFacts]:
        out = []
        for spec in self.cluster.specs:
            facts = self._facts(spec, full=False)
            if all(facts.labels.get(k) == v for k, v in labels.items()):
                out.append(facts)
        return out

    async def inspect_document(self, container_id: str) -> dict[str, Any]:
        """Evidence for a forensics bundle: an inspect-like document of the simulation, in
        the Engine's shape (a bundle holds what the daemon would have said). Nothing in fintui
        reads it back: the Details screen gets ContainerDetails (DemoCluster.details)."""
        d = await self.cluster.details(container_id)
        spec = self._spec(container_id)
        check, health = health_document(d.health)
        return {
            "Id": d.id, "Name": "/" + spec.name, "Created": "2026-03-01T00:00:00Z",
            "RestartCount": d.restarts,
            "State": {"Status": d.state, "Paused": d.state == "paused",
                      "StartedAt": d.started or "0001-01-01T00:00:00Z", "ExitCode": d.exit_code,
                      "Health": health},
            "Config": {"Image": d.image, "Cmd": list(d.command), "Entrypoint": None,
                       "Healthcheck": check,
                       "Tty": False, "User": d.user, "Env": list(DEMO_ENV),
                       "Labels": dict(d.labels)},
            "HostConfig": {
                "RestartPolicy": self.cluster.restart_policy_of(spec).to_record(),
                "NanoCpus": int((d.cpus or 0) * 1e9), "Memory": d.memory_bytes,
                "MemoryReservation": d.memory_reservation, "PidsLimit": d.pids_limit,
                "DeviceRequests": [{"Driver": "nvidia", "DeviceIDs": [str(g) for g in spec.gpus],
                                    "Capabilities": [["gpu"]]}] if spec.gpus else None},
            "Mounts": [{"Type": m.type, "Name": m.name, "Source": m.source,
                        "Destination": m.destination, "RW": m.rw} for m in d.mounts],
            "NetworkSettings": {"Networks": {net: {"IPAddress": ip, "Aliases": list(aliases)}
                                             for net, ip, aliases in d.networks}},
        }

    async def logs_text(self, container_id: str, lines: int) -> str:
        return "".join([f"{line}\n" async for line in self.cluster.logs(container_id, lines,
                                                                         follow=False)])

    async def changes(self, container_id: str) -> Document:
        self._spec(container_id)
        return [{"Kind": 1, "Path": "/tmp/orders.spill"}, {"Kind": 0, "Path": "/var/log/app"}]

    async def stats_once(self, container_id: str) -> Document:
        spec = self._spec(container_id)
        stats = self.cluster._stats(spec)
        return {"memory_stats": {"usage": stats.mem_bytes, "limit": stats.mem_limit_bytes}}

    async def top(self, container_id: str) -> Document:
        self._spec(container_id)
        return {"Titles": ["PID", "CMD"], "Processes": [["4242", "/app/run --desk equities"]]}

    async def network_disconnect(self, network: str, container_id: str) -> None:
        spec = self._spec(container_id)
        nets = self.cluster.networks.setdefault(spec.name, {"desk-net": [spec.service
                                                                         or spec.name]})
        nets.pop(network, None)

    async def network_connect(self, attachment: NetworkAttachment, container_id: str) -> None:
        spec = self._spec(container_id)
        self.cluster.networks.setdefault(spec.name, {})[attachment.network] = list(
            attachment.aliases)

    async def set_restart_policy(self, container_id: str, policy: RestartPolicy) -> None:
        self.cluster.restart_policy[self._spec(container_id).name] = policy

    async def pause(self, container_id: str) -> None:
        self.cluster.paused.add(self._spec(container_id).name)

    async def unpause(self, container_id: str) -> None:
        self.cluster.paused.discard(self._spec(container_id).name)

    async def create_copy(self, template: ContainerFacts, name: str,
                          labels: Mapping[str, str], network: NetworkAttachment | None,
                          restart_policy: RestartPolicy, image: str = "") -> str:
        # The copy runs like the first of the cast with its image (a rollout's new image:
        # like its template); it joins the desk network as every demo container does.
        image = image or template.image
        like = next((s for s in self.cluster.specs if s.image == image), None) or next(
            (s for s in self.cluster.specs if s.name == template.name), None)
        spec = DemoSpec(name, image,
                        labels.get(SERVICE) or labels.get(SWARM_SERVICE_NAME, ""),
                        labels.get(PROJECT, ""),
                        cpu=like.cpu if like else 10.0, mem=like.mem if like else 256 * MIB,
                        mem_limit=like.mem_limit if like else 2 * GIB, age_hours=0.0,
                        # the demo's broken release (demo_releases.fails) exits 1 and is
                        # restarted by its policy: a crash loop from its first run
                        behaviour="crashloop" if fails(image) else "steady")
        if fails(image):
            self.cluster.restarts[name] = 1
        self.cluster.specs.append(spec)
        return _id(name)

    async def start(self, container_id: str) -> None:
        spec = self._spec(container_id)
        if not self._runs(spec):  # demo_lifecycle.py: it runs from now on
            self._run(spec)

    async def stop_and_remove(self, container_id: str) -> None:
        self.cluster.specs.remove(self._spec(container_id))

    # ---- the pricing service and the nodes -----------------------------------------------

    def _pricing(self) -> list[DemoSpec]:
        return [s for s in self.cluster.specs if s.service == "pricing" and not s.project]

    async def service(self, service: str) -> ServiceFacts:
        if service not in ("pricing", PRICING_ID):
            raise NoSuchService(f"no Swarm service named {service!r}")
        return ServiceFacts(PRICING_ID, "pricing", True, len(self._pricing()))

    async def set_replicas(self, service_id: str, replicas: int | None = None,
                           delta: int = 0) -> int:
        current = await self.service(service_id)
        members = self._pricing()
        wanted = replicas if replicas is not None else current.replicas + delta
        self.cluster.pricing_replicas = wanted
        for extra in members[wanted:]:
            self.cluster.specs.remove(extra)
        for n in range(len(members) + 1, wanted + 1):
            name = f"pricing.{n}.{_id(f'pricing-{n}')[:8]}"
            self.cluster.specs.append(DemoSpec(name, self.cluster.pricing_image, "pricing",
                                               cpu=SPECS[0].cpu,
                                               mem=SPECS[0].mem, mem_limit=SPECS[0].mem_limit,
                                               age_hours=0.0))
        return wanted

    async def service_tasks(self, service_id: str) -> list[TaskFacts]:
        return [TaskFacts(_id(s.name)[:25], "paused" if s.name in self.cluster.paused
                          else "running", "running")
                for s in self._pricing()]

    async def nodes(self) -> list[Node]:
        counts: dict[str, int] = {}
        for _task, node in self.cluster.task_placement():
            counts[node] = counts.get(node, 0) + 1
        return self.cluster.nodes(counts)

    async def set_availability(self, node_id: str, availability: str) -> None:
        for name in DEMO_NODES:
            if _id(f"node-{name}")[:25] == node_id:
                self.cluster.node_availability[name] = availability
                return
        raise NodeGone(f"node {node_id[:12]} has left the cluster")

    async def node_tasks(self, node_id: str) -> list[TaskFacts]:
        return [TaskFacts(task, "running", "running", node_id=node)
                for task, node in self.cluster.task_placement() if node == node_id]

    # ---- storage -------------------------------------------------------------------------

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
