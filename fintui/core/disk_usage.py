"""The totals `docker system df` prints, from the typed disk usage. Pure (the Engine's
/system/df JSON is read in sources/engine_disk.py)."""

from __future__ import annotations

from dataclasses import dataclass

from fintui.model import DiskUsage


@dataclass(frozen=True, slots=True)
class SectionTotals:
    kind: str
    count: int
    active: int
    size: int
    reclaimable: int


ACTIVE_STATES = ("running", "paused", "restarting")


def totals(df: DiskUsage) -> list[SectionTotals]:
    """The four rows of `docker system df`, computed the way the docker CLI computes them."""
    used_images = sum(i.size_bytes - i.shared_bytes for i in df.images if i.containers > 0)
    active_containers = [c for c in df.containers if c.state in ACTIVE_STATES]
    sized_volumes = [v for v in df.volumes if v.size_bytes is not None]
    unshared_cache = [b for b in df.build_cache if not b.shared]
    return [
        SectionTotals("images", len(df.images), sum(i.containers > 0 for i in df.images),
                      df.layers_size, df.layers_size - used_images),
        SectionTotals("containers", len(df.containers), len(active_containers),
                      sum(c.size_rw for c in df.containers),
                      sum(c.size_rw for c in df.containers if c.state not in ACTIVE_STATES)),
        SectionTotals("volumes", len(df.volumes), sum(v.ref_count > 0 for v in df.volumes),
                      sum(v.size_bytes or 0 for v in sized_volumes),
                      sum(v.size_bytes or 0 for v in sized_volumes if v.ref_count == 0)),
        SectionTotals("build-cache", len(df.build_cache), sum(b.in_use for b in df.build_cache),
                      sum(b.size_bytes for b in unshared_cache),
                      sum(b.size_bytes for b in unshared_cache if not b.in_use)),
    ]
