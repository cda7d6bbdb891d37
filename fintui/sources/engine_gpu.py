"""Engine API JSON → what GPUs a container asked for (its inspect document). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def requested_gpus(inspect: Mapping[str, Any]) -> str:
    """What a container asked for: DeviceRequests (--gpus) or NVIDIA_VISIBLE_DEVICES."""
    for request in (inspect.get("HostConfig") or {}).get("DeviceRequests") or []:
        capabilities = [c for group in request.get("Capabilities") or [] for c in group]
        if "gpu" in capabilities or request.get("Driver") == "nvidia":
            ids = request.get("DeviceIDs") or []
            if ids:
                return ",".join(str(i) for i in ids)
            count = request.get("Count", 0)
            return "all" if count == -1 else f"{count} GPU(s)"
    for item in (inspect.get("Config") or {}).get("Env") or []:
        key, _, value = str(item).partition("=")
        if key == "NVIDIA_VISIBLE_DEVICES" and value and value not in ("void", "none"):
            return value
    return ""
