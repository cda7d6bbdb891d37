"""The reads beside a container's inspect that say what it runs: its image's registry
digests, and for a Swarm task its service's last update. Either may be gone or refused (an
image removed since, a worker node that may not read services): the details go on without."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fintui.model import ContainerDetails
from fintui.sources.engine_client import ApiError, EngineClient
from fintui.sources.engine_details import details_from

SWARM_SERVICE_ID = "com.docker.swarm.service.id"


async def _read(client: EngineClient, path: str) -> dict[str, Any]:
    try:
        found = await client.get_json(path)
    except ApiError:
        return {}
    return found if isinstance(found, dict) else {}


async def details_with_image(client: EngineClient, data: Mapping[str, Any]
                             ) -> ContainerDetails:
    """ContainerDetails from an inspect document, with its image's and service's facts."""
    image_id = str(data.get("Image") or "")
    labels = (data.get("Config") or {}).get("Labels") or {}
    service_id = str(labels.get(SWARM_SERVICE_ID) or "")
    image = await _read(client, f"/images/{image_id}/json") if image_id else {}
    service = await _read(client, f"/services/{service_id}") if service_id else {}
    return details_from(data, image, service)
