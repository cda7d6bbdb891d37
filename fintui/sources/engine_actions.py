"""ClusterActions on the real Engine API: the only code that changes the daemon's state.

Engine JSON is read and written here (with engine_facts.py and engine_replica.py) and nowhere
in ops: what crosses the boundary is the facts of fintui.model_ops and the errors of base.py
(an ApiError never does)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from fintui.core.log_lines import CAPTURE_MAX_CHARS, LogTail
from fintui.model import Node
from fintui.model_ops import (
    ContainerFacts,
    NetworkAttachment,
    RestartPolicy,
    ServiceFacts,
    TaskFacts,
)
from fintui.sources.base import (
    ActionFailed,
    ContainerGone,
    NodeGone,
    NoSuchService,
    NotReplicated,
    NotSwarmManager,
    ObjectGone,
)
from fintui.sources.capabilities import Document
from fintui.sources.engine_client import ApiError, DaemonRefused, EngineClient
from fintui.sources.engine_facts import (
    container_facts,
    endpoint_config,
    listed_facts,
    service_facts,
    task_facts,
)
from fintui.sources.engine_lifecycle import STOP_GRACE, EngineLifecycle
from fintui.sources.engine_nodes import node_from
from fintui.sources.engine_releases import EngineReleases
from fintui.sources.engine_replica import copy_body
from fintui.sources.log_stream import LogDecoder

UPDATE_RETRIES = 5  # "update out of sequence": another writer changed the object meanwhile


class EngineActions(EngineLifecycle, EngineReleases):
    def __init__(self, client: EngineClient) -> None:
        self.client = client

    async def _call(self, method: str, path: str, params: dict[str, str] | None = None,
                    body: Any = None, timeout: float | None = None,
                    container: str = "") -> Any:
        try:  # an ApiError never leaves this class: it is named in base.py's words
            if not self.client.api_version:
                await self.client.negotiate()
            return await self.client.request(method, path, params=params, body=body,
                                             timeout=timeout)
        except ApiError as exc:
            if exc.status == 404 and container:
                raise ContainerGone(container) from None
            raise DaemonRefused(exc.message, exc.status) from None

    async def _versioned(self, update: Any) -> Any:
        """Run an update that carries a version index, again (re-reading the object) when
        another writer got there first."""
        for attempt in range(UPDATE_RETRIES):
            try:
                return await update()
            except ActionFailed as exc:
                if "out of sequence" not in str(exc) or attempt == UPDATE_RETRIES - 1:
                    raise
                await asyncio.sleep(0.2 * (attempt + 1))
        raise ActionFailed("update kept conflicting")  # unreachable; keeps mypy sure

    # ---- containers ----------------------------------------------------------------------

    async def inspect_document(self, container_id: str) -> dict[str, Any]:
        data: dict[str, Any] = await self._call("GET", f"/containers/{container_id}/json",
                                                container=container_id)
        return data

    async def container(self, container_id: str) -> ContainerFacts:
        return container_facts(await self.inspect_document(container_id))

    async def containers(self, labels: Mapping[str, str]) -> list[ContainerFacts]:
        filters = {"label": [f"{k}={v}" for k, v in labels.items()]}
        data = await self._call("GET", "/containers/json",
                                {"all": "1", "filters": json.dumps(filters)})
        return [listed_facts(entry) for entry in data or []]

    async def logs_text(self, container_id: str, lines: int) -> str:
        inspect = await self.inspect_document(container_id)
        decoder = LogDecoder(multiplexed=not (inspect.get("Config") or {}).get("Tty"))
        params = {"stdout": "1", "stderr": "1", "tail": str(lines), "timestamps": "1"}
        # The daemon's tail counts lines, not bytes: keep only the newest CAPTURE_MAX_CHARS.
        kept = LogTail(CAPTURE_MAX_CHARS)
        try:
            async for chunk in self.client.stream(f"/containers/{container_id}/logs", params):
                kept.extend(decoder.feed(chunk))
                await asyncio.sleep(0)  # a big backlog arrives without waits: let others run
        except ApiError as exc:
            raise DaemonRefused(exc.message, exc.status) from None
        kept.extend(decoder.flush())
        return kept.text()

    async def changes(self, container_id: str) -> Document:
        return list(await self._call("GET", f"/containers/{container_id}/changes",
                                     container=container_id) or [])

    async def stats_once(self, container_id: str) -> Document:
        data: dict[str, Any] = await self._call(
            "GET", f"/containers/{container_id}/stats", {"stream": "false"},
            container=container_id) or {}
        return data

    async def top(self, container_id: str) -> Document:
        data: dict[str, Any] = await self._call("GET", f"/containers/{container_id}/top",
                                                container=container_id) or {}
        return data

    async def network_disconnect(self, network: str, container_id: str) -> None:
        await self._call("POST", f"/networks/{network}/disconnect",
                         body={"Container": container_id, "Force": False})

    async def network_connect(self, attachment: NetworkAttachment, container_id: str) -> None:
        await self._call("POST", f"/networks/{attachment.network}/connect",
                         body={"Container": container_id,
                               "EndpointConfig": endpoint_config(attachment)})

    async def set_restart_policy(self, container_id: str, policy: RestartPolicy) -> None:
        await self._call("POST", f"/containers/{container_id}/update",
                         body={"RestartPolicy": policy.to_record()}, container=container_id)

    async def pause(self, container_id: str) -> None:
        await self._call("POST", f"/containers/{container_id}/pause", container=container_id)

    async def unpause(self, container_id: str) -> None:
        await self._call("POST", f"/containers/{container_id}/unpause", container=container_id)

    async def create_copy(self, template: ContainerFacts, name: str,
                          labels: Mapping[str, str], network: NetworkAttachment | None,
                          restart_policy: RestartPolicy, image: str = "") -> str:
        # The inspect it was read from (container()); a listed one is read now.
        inspect = template.workload if isinstance(template.workload, Mapping) else \
            await self.inspect_document(template.id)
        old_image: dict[str, Any] = {}
        if image:  # its image's defaults are not the copy's (engine_replica._onto_image)
            try:
                old_image = await self._call("GET", f"/images/{inspect.get('Image', '')}/json")
            except ActionFailed as exc:  # unknown now: the copy keeps all it has
                if exc.status != 404:
                    raise
        return await self.create(name, copy_body(inspect, labels, network, restart_policy,
                                                 image, old_image.get("Config") or {}))

    async def create(self, name: str, body: dict[str, Any]) -> str:
        """POST /containers/create (a test injects faults here)."""
        reply = await self._call("POST", "/containers/create", {"name": name}, body=body)
        return str(reply["Id"])

    async def start(self, container_id: str) -> None:
        await self._call("POST", f"/containers/{container_id}/start", container=container_id)

    async def stop_and_remove(self, container_id: str) -> None:
        await self._call("POST", f"/containers/{container_id}/stop", {"t": str(STOP_GRACE)},
                         timeout=STOP_GRACE + 20, container=container_id)
        await self._call("DELETE", f"/containers/{container_id}", container=container_id)

    # ---- Swarm services and nodes --------------------------------------------------------

    async def _service_json(self, service: str) -> dict[str, Any]:
        try:
            data: dict[str, Any] = await self._call("GET", f"/services/{service}")
        except ActionFailed as exc:
            if exc.status == 404:
                raise NoSuchService(f"no Swarm service named {service!r}") from None
            if exc.status == 503:
                raise NotSwarmManager() from None
            raise
        return data

    async def service(self, service: str) -> ServiceFacts:
        return service_facts(await self._service_json(service))

    async def set_replicas(self, service_id: str, replicas: int | None = None,
                           delta: int = 0) -> int:
        async def update() -> int:
            service = await self._service_json(service_id)
            spec = service["Spec"]
            facts = service_facts(service)
            if not facts.replicated:
                raise NotReplicated(f"service {service_id[:12]} is global-mode: it has no "
                                    "replica count to change")
            wanted = replicas if replicas is not None else facts.replicas + delta
            spec["Mode"]["Replicated"]["Replicas"] = wanted
            await self._call("POST", f"/services/{service_id}/update",
                             {"version": str(service["Version"]["Index"])}, body=spec)
            return wanted

        count: int = await self._versioned(update)
        return count

    async def service_tasks(self, service_id: str) -> list[TaskFacts]:
        filters = json.dumps({"service": [service_id]})
        return [task_facts(t) for t in
                await self._call("GET", "/tasks", {"filters": filters}) or []]

    async def _nodes_json(self) -> list[dict[str, Any]]:
        try:
            return list(await self._call("GET", "/nodes") or [])
        except ActionFailed as exc:
            if exc.status == 503:
                raise NotSwarmManager() from None
            raise

    async def nodes(self) -> list[Node]:
        raw = await self._nodes_json()
        tasks: dict[str, int] = {}
        for node in raw:
            node_id = str(node.get("ID"))
            tasks[node_id] = len(await self.node_tasks(node_id))
        return [node_from(n, tasks) for n in raw]

    async def set_availability(self, node_id: str, availability: str) -> None:
        async def update() -> None:
            current = next((n for n in await self._nodes_json() if n.get("ID") == node_id),
                           None)
            if current is None:
                raise NodeGone(f"node {node_id[:12]} has left the cluster")
            spec = dict(current.get("Spec") or {})
            spec["Availability"] = availability
            await self._call("POST", f"/nodes/{node_id}/update",
                             {"version": str(int(current["Version"]["Index"]))}, body=spec)

        await self._versioned(update)

    async def node_tasks(self, node_id: str) -> list[TaskFacts]:
        filters = json.dumps({"node": [node_id], "desired-state": ["running"]})
        return [task_facts(t) for t in
                await self._call("GET", "/tasks", {"filters": filters}) or []]

    # ---- storage -------------------------------------------------------------------------

    async def storage_labels(self, kind: str, object_id: str) -> dict[str, str]:
        path = {"volume": f"/volumes/{object_id}", "image": f"/images/{object_id}/json",
                "container": f"/containers/{object_id}/json"}.get(kind)
        if path is None:
            return {}  # build cache entries carry no labels
        try:
            data = await self._call("GET", path)
        except ActionFailed as exc:
            if exc.status == 404:
                raise ObjectGone(object_id) from None
            raise
        labels = data.get("Labels") if kind == "volume" else (data.get("Config") or {}).get(
            "Labels")
        return dict(labels or {})

    async def storage_users(self, kind: str, object_id: str) -> list[str]:
        key = {"volume": "volume", "image": "ancestor"}.get(kind)
        if key is None:
            return []
        filters = json.dumps({key: [object_id]})
        listed = await self._call("GET", "/containers/json", {"all": "1", "filters": filters})
        return [listed_facts(c).name for c in listed or []]

    async def remove_storage(self, kind: str, object_id: str) -> None:
        if kind == "build-cache":
            # The API deletes build cache only through prune; an id filter limits it to this
            # one entry, so nothing beyond the plan is touched.
            await self._call("POST", "/build/prune",
                             {"filters": json.dumps({"id": [object_id]})}, timeout=300)
            return
        path = {"volume": f"/volumes/{object_id}", "image": f"/images/{object_id}",
                "container": f"/containers/{object_id}"}[kind]
        try:
            await self._call("DELETE", path, timeout=120)
        except ActionFailed as exc:
            if exc.status == 404:
                raise ObjectGone(object_id) from None
            raise
