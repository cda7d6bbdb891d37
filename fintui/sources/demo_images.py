"""What the demo says of the image a container runs: its id, a registry digest, and when it
was deployed, so the demo's Details answer "what is running" as a real daemon's do."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta

from fintui.model import Container, ContainerDetails
from fintui.sources.demo_cast import DEMO_START, DemoSpec, _id

CREATE_LEAD = timedelta(minutes=5)  # the demo creates a container this long before it starts


def image_id(image: str) -> str:
    """The id the demo's disk usage gives this image too."""
    return f"sha256:{_id(image)}"


def repo_digest(image: str) -> str:
    """Every demo image came from the desk's registry: `repo@sha256:…`."""
    return f"{image.split(':', 1)[0]}@sha256:{_id('registry:' + image)}"


def with_image_facts(spec: DemoSpec, container: Container, specs: Iterable[DemoSpec],
                     details: ContainerDetails) -> ContainerDetails:
    """What runs was deployed when its container was created: for a Swarm task, when Swarm
    deployed that task (as a daemon says it)."""
    deployed = container.created or DEMO_START
    how = "task created" if spec.service and not spec.project else "container created"
    return replace(details, image_id=image_id(spec.image), digests=(repo_digest(spec.image),),
                   deployed=deployed.isoformat().replace("+00:00", "Z"), deployed_how=how)
