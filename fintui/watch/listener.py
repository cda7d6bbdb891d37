"""What a watch's subscribers hear, and the disk-usage read every watch shares."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

from fintui.model import ClusterSnapshot, DiskUsage
from fintui.sources.base import SourceUnavailable

if TYPE_CHECKING:
    from fintui.wiring import EndpointParts, Parts


class WatchListener(Protocol):
    """What a subscriber hears. Called on the watch's event loop; each must return quickly."""

    def snapshot(self, snap: ClusterSnapshot) -> None: ...

    def alerts_changed(self) -> None: ...

    def forecasts_changed(self) -> None: ...

    def disk_changed(self, endpoint: str) -> None: ...

    def notice(self, text: str, title: str, error: bool) -> None: ...


async def read_disks(parts: Parts, endpoints: Iterable[str], disks: dict[str, DiskUsage],
                     listeners: Iterable[WatchListener],
                     then: Callable[[EndpointParts, DiskUsage], None] | None = None
                     ) -> dict[str, str]:
    """`/system/df` of each named endpoint in turn (slow on big hosts): kept in `disks`, handed
    to `then`, told to the listeners; returns the endpoints that failed, with why."""
    wanted = set(endpoints)
    errors: dict[str, str] = {}
    for e in parts.storages():
        if e.name not in wanted:
            continue
        try:
            disk = await e.source.disk_usage()
        except SourceUnavailable as exc:
            errors[e.name] = str(exc)
            continue
        disks[e.name] = disk
        if then is not None:
            then(e, disk)
        for listener in list(listeners):
            listener.disk_changed(e.name)
    return errors
