"""The images a rollout may choose from on one endpoint, as the rollout dialog lists them.
Pure: from the endpoint's disk-usage reading (every image it holds, with tags and age)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from fintui.core.format import human_duration, since
from fintui.core.text_safety import one_line
from fintui.model import ImageInfo


@dataclass(frozen=True, slots=True)
class ImageChoice:
    ref: str  # repository:tag, as a rollout is asked for it
    label: str  # what the list shows


def repository(ref: str) -> str:
    """`quant/pricing-engine:2.4.1` → `quant/pricing-engine` (a registry's port kept)."""
    name = ref.split("@", 1)[0]
    head, _, last = name.rpartition("/")
    last = last.split(":", 1)[0]
    return f"{head}/{last}" if head else last


def image_choices(images: Iterable[ImageInfo], current: str, now: datetime
                  ) -> list[ImageChoice]:
    """Every tagged image, newest first; the service's own repository ahead of the rest (a
    rollout nearly always ships a new tag of what runs), the running one named so."""
    repo = repository(current)
    bare = current.split("@", 1)[0]
    rows: list[tuple[bool, float, str, str]] = []
    for image in images:
        created = image.created.timestamp() if image.created else 0.0
        age = (f"{human_duration(since(image.created, now))} old" if image.created
               else "age unknown")
        for tag in image.tags:
            if not tag or tag == "<none>:<none>":
                continue
            note = "  (running now)" if tag == bare else ""
            rows.append((repository(tag) != repo, -created, tag,
                         f"{one_line(tag)}  ·  {age}{note}"))
    rows.sort()
    return [ImageChoice(tag, label) for _other, _age, tag, label in rows]
