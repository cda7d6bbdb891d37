"""A container's everyday acts on the real Engine API (capabilities.Lifecycle): restart, stop,
kill and remove. EngineActions inherits them; its `_call` names every API error in base.py's
words, so none of these lets an ApiError out."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fintui.core.container_lifecycle import STOP_GRACE as STOP_GRACE  # one for both sources


class EngineLifecycle:
    if TYPE_CHECKING:  # EngineActions has it
        async def _call(self, method: str, path: str, params: dict[str, str] | None = None,
                        body: Any = None, timeout: float | None = None,
                        container: str = "") -> Any: ...

    async def restart(self, container_id: str) -> None:
        # The reply comes only after the stop's grace period: wait that long and more.
        await self._call("POST", f"/containers/{container_id}/restart",
                         {"t": str(STOP_GRACE)}, timeout=STOP_GRACE + 20,
                         container=container_id)

    async def stop(self, container_id: str) -> None:
        await self._call("POST", f"/containers/{container_id}/stop", {"t": str(STOP_GRACE)},
                         timeout=STOP_GRACE + 20, container=container_id)

    async def kill(self, container_id: str, signal: str) -> None:
        await self._call("POST", f"/containers/{container_id}/kill", {"signal": signal},
                         container=container_id)

    async def remove_container(self, container_id: str) -> None:
        # v=false keeps its volumes (named and anonymous); no force: a running one is refused
        # by the daemon too, should it have started since the plan was made.
        await self._call("DELETE", f"/containers/{container_id}",
                         {"v": "false", "force": "false"}, timeout=120,
                         container=container_id)
