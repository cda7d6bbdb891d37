"""Releases on the real Engine API (capabilities.Releasable): image facts, a Swarm service's
release state and tasks, its update to another image and Swarm's own rollback. EngineActions
inherits this; its `_call` names every API error in base.py's words."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from fintui.model_release import ImageFacts, ReleaseTask, ServiceRelease, UpdatePolicy
from fintui.sources.base import ActionFailed

NANOS = 1_000_000_000


def _image_of(spec: Mapping[str, Any] | None) -> str:
    task = (spec or {}).get("TaskTemplate") or {}
    return str((task.get("ContainerSpec") or {}).get("Image") or "")


def release_of(service: Mapping[str, Any]) -> ServiceRelease:
    """From GET /services/{id}."""
    spec = service.get("Spec") or {}
    mode = spec.get("Mode") or {}
    replicated = mode.get("Replicated")
    status = service.get("UpdateStatus") or {}
    return ServiceRelease(
        str(service.get("ID", "")), str(spec.get("Name", "")), _image_of(spec),
        _image_of(service.get("PreviousSpec")) if service.get("PreviousSpec") else "",
        int(replicated.get("Replicas", 0)) if isinstance(replicated, Mapping) else None,
        str(status.get("State") or ""), str(status.get("Message") or ""),
        str(status.get("StartedAt") or ""))


def release_task(task: Mapping[str, Any]) -> ReleaseTask:
    """From an entry of GET /tasks."""
    status = task.get("Status") or {}
    code = (status.get("ContainerStatus") or {}).get("ExitCode")
    return ReleaseTask(str(task.get("ID", "")), int(task.get("Slot") or 0),
                       _image_of({"TaskTemplate": task.get("Spec") or {}}),
                       str(status.get("State") or ""), str(task.get("DesiredState") or ""),
                       str(status.get("Err") or ""), None if code is None else int(code),
                       str(task.get("CreatedAt") or ""))


def update_config(policy: UpdatePolicy) -> dict[str, Any]:
    return {"Parallelism": policy.parallelism, "Delay": int(policy.delay * NANOS),
            "Monitor": int(policy.monitor * NANOS), "FailureAction": policy.failure_action,
            "MaxFailureRatio": 0, "Order": policy.order}


class EngineReleases:
    if TYPE_CHECKING:  # EngineActions has them
        async def _call(self, method: str, path: str, params: dict[str, str] | None = None,
                        body: Any = None, timeout: float | None = None,
                        container: str = "") -> Any: ...

        async def _service_json(self, service: str) -> dict[str, Any]: ...
        async def _versioned(self, update: Callable[[], Awaitable[Any]]) -> Any: ...

    async def image_facts(self, image: str) -> ImageFacts | None:
        try:
            data = await self._call("GET", f"/images/{image}/json")
        except ActionFailed as exc:
            if exc.status == 404:
                return None
            raise
        return ImageFacts(image, str(data.get("Id") or ""),
                          tuple(str(d) for d in data.get("RepoDigests") or ()))

    async def service_release(self, service: str) -> ServiceRelease:
        return release_of(await self._service_json(service))

    async def release_tasks(self, service_id: str) -> list[ReleaseTask]:
        filters = json.dumps({"service": [service_id]})
        return [release_task(t) for t in
                await self._call("GET", "/tasks", {"filters": filters}) or []]

    async def update_image(self, service_id: str, image: str, policy: UpdatePolicy) -> None:
        async def update() -> None:
            service = await self._service_json(service_id)
            spec = service["Spec"]
            # Everything else as it is: only the image and how Swarm moves to it change.
            spec.setdefault("TaskTemplate", {}).setdefault("ContainerSpec", {})["Image"] = image
            spec["UpdateConfig"] = update_config(policy)
            await self._call("POST", f"/services/{service_id}/update",
                             {"version": str(service["Version"]["Index"])}, body=spec)

        await self._versioned(update)

    async def rollback_service(self, service_id: str) -> None:
        async def update() -> None:
            service = await self._service_json(service_id)
            # The body is required and ignored: Swarm takes its PreviousSpec.
            await self._call("POST", f"/services/{service_id}/update",
                             {"version": str(service["Version"]["Index"]),
                              "rollback": "previous"}, body=service["Spec"])

        await self._versioned(update)
