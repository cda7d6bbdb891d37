"""The read beside a container's inspect that says what it runs: its image's registry
digests. It may be gone or refused (an image removed since): the details go on without. (When
it was deployed is the container's own creation, a Swarm task's included: engine_details.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fintui.model import ContainerDetails
from fintui.sources.engine_client import ApiError, EngineClient
from fintui.sources.engine_details import details_from


async def _read(client: EngineClient, path: str) -> dict[str, Any]:
    try:
        found = await client.get_json(path)
    except ApiError:
        return {}
    return found if isinstance(found, dict) else {}


async def details_with_image(client: EngineClient, data: Mapping[str, Any]
                             ) -> ContainerDetails:
    """ContainerDetails from an inspect document, with its image's facts."""
    image_id = str(data.get("Image") or "")
    image = await _read(client, f"/images/{image_id}/json") if image_id else {}
    return details_from(data, image)
