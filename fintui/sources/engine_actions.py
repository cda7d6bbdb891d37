"""ClusterActions on the real Engine API: the only code that changes the daemon's state."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fintui.core.log_lines import CAPTURE_MAX_CHARS, LogTail
from fintui.sources.base import ActionFailed, ContainerGone, ObjectGone
from fintui.sources.engine_client import ApiError, EngineClient
from fintui.sources.log_stream import LogDecoder

STOP_GRACE = 10  # seconds a container gets to stop before it is killed


class EngineActions:
    def __init__(self, client: EngineClient) -> None:
        self.client = client

    async def _call(self, method: str, path: str, params: dict[str, str] | None = None,
                    body: Any = None, timeout: float | None = None,
                    container: str = "") -> Any:
        if not self.client.api_version:
            await self.client.negotiate()
        try:
            return await self.client.request(method, path, params=params, body=body,
                                             timeout=timeout)
        except ApiError as exc:
            if exc.status == 404 and container:
                raise ContainerGone(container) from None
            raise ActionFailed(exc.message, exc.status) from None

    async def inspect(self, container_id: str) -> dict[str, Any]:
        data: dict[str, Any] = await self._call("GET", f"/containers/{container_id}/json",
                                                container=container_id)
        return data

    async def list_containers(self, labels: dict[str, str]) -> list[dict[str, Any]]:
        filters = {"label": [f"{k}={v}" for k, v in labels.items()]}
        data: list[dict[str, Any]] = await self._call(
            "GET", "/containers/json", {"all": "1", "filters": json.dumps(filters)})
        return data

    async def logs_text(self, container_id: str, lines: int) -> str:
        inspect = await self.inspect(container_id)
        decoder = LogDecoder(multiplexed=not (inspect.get("Config") or {}).get("Tty"))
        params = {"stdout": "1", "stderr": "1", "tail": str(lines), "timestamps": "1"}
        # The daemon's tail counts lines, not bytes: keep only the newest CAPTURE_MAX_CHARS.
        kept = LogTail(CAPTURE_MAX_CHARS)
        try:
            async for chunk in self.client.stream(f"/containers/{container_id}/logs", params):
                kept.extend(decoder.feed(chunk))
                await asyncio.sleep(0)  # a big backlog arrives without waits: let others run
        except ApiError as exc:
            raise ActionFailed(exc.message, exc.status) from None
        kept.extend(decoder.flush())
        return kept.text()

    async def changes(self, container_id: str) -> list[dict[str, Any]]:
        return list(await self._call("GET", f"/containers/{container_id}/changes",
                                     container=container_id) or [])

    async def stats_once(self, container_id: str) -> dict[str, Any]:
        data: dict[str, Any] = await self._call(
            "GET", f"/containers/{container_id}/stats", {"stream": "false"},
            container=container_id) or {}
        return data

    async def top(self, container_id: str) -> dict[str, Any]:
        data: dict[str, Any] = await self._call("GET", f"/containers/{container_id}/top",
                                                container=container_id) or {}
        return data

    async def network_disconnect(self, network: str, container_id: str) -> None:
        await self._call("POST", f"/networks/{network}/disconnect",
                         body={"Container": container_id, "Force": False})

    async def network_connect(self, network: str, container_id: str,
                              endpoint: dict[str, Any]) -> None:
        await self._call("POST", f"/networks/{network}/connect",
                         body={"Container": container_id, "EndpointConfig": endpoint})

    async def set_restart_policy(self, container_id: str, policy: dict[str, Any]) -> None:
        await self._call("POST", f"/containers/{container_id}/update",
                         body={"RestartPolicy": policy}, container=container_id)

    async def pause(self, container_id: str) -> None:
        await self._call("POST", f"/containers/{container_id}/pause", container=container_id)

    async def unpause(self, container_id: str) -> None:
        await self._call("POST", f"/containers/{container_id}/unpause", container=container_id)

    async def create(self, name: str, body: dict[str, Any]) -> str:
        reply = await self._call("POST", "/containers/create", {"name": name}, body=body)
        return str(reply["Id"])

    async def start(self, container_id: str) -> None:
        await self._call("POST", f"/containers/{container_id}/start", container=container_id)

    async def stop_and_remove(self, container_id: str) -> None:
        await self._call("POST", f"/containers/{container_id}/stop", {"t": str(STOP_GRACE)},
                         timeout=STOP_GRACE + 20, container=container_id)
        await self._call("DELETE", f"/containers/{container_id}", container=container_id)

    async def service(self, service: str) -> dict[str, Any]:
        try:
            data: dict[str, Any] = await self._call("GET", f"/services/{service}")
        except ActionFailed as exc:
            if exc.status == 404:
                raise ActionFailed(f"no Swarm service named {service!r}", 404) from None
            if exc.status == 503:
                raise ActionFailed("this daemon is not a Swarm manager", 503) from None
            raise
        return data

    async def update_service(self, service_id: str, version: int,
                             spec: dict[str, Any]) -> None:
        await self._call("POST", f"/services/{service_id}/update", {"version": str(version)},
                         body=spec)

    async def service_tasks(self, service_id: str) -> list[dict[str, Any]]:
        filters = json.dumps({"service": [service_id]})
        return list(await self._call("GET", "/tasks", {"filters": filters}) or [])

    async def nodes(self) -> list[dict[str, Any]]:
        try:
            return list(await self._call("GET", "/nodes") or [])
        except ActionFailed as exc:
            if exc.status == 503:
                raise ActionFailed("this daemon is not a Swarm manager", 503) from None
            raise

    async def update_node(self, node_id: str, version: int, spec: dict[str, Any]) -> None:
        await self._call("POST", f"/nodes/{node_id}/update", {"version": str(version)},
                         body=spec)

    async def node_tasks(self, node_id: str) -> list[dict[str, Any]]:
        filters = json.dumps({"node": [node_id], "desired-state": ["running"]})
        return list(await self._call("GET", "/tasks", {"filters": filters}) or [])

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
        return [str((c.get("Names") or ["?"])[0]).lstrip("/") for c in listed or []]

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
