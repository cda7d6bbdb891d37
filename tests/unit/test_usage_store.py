""""Last used" for cleanup TTLs with several endpoints: a volume or image of one daemon is not
kept alive by a same-named one on another, while uses seen without an endpoint still count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fintui.model import Container, Mount
from fintui.store.usage import UsageStore

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def user(name: str, endpoint: str, volume: str = "data", image: str = "app:1") -> Container:
    return Container(id=f"id-{name}", name=name, image=image, state="running", status="",
                     mounts=(Mount("volume", volume, "/v", "/data", True),), endpoint=endpoint)


def test_each_endpoint_has_its_own_last_use(tmp_path: Path) -> None:
    usage = UsageStore(tmp_path / "state.sqlite")
    usage.record([user("risk", "desk-a")], T0)
    usage.record([user("ledger", "desk-b", image="repo@sha256:abc")], T0 + timedelta(hours=1))
    assert usage.volume_last_used("desk-a") == {"data": T0}
    assert usage.volume_last_used("desk-b") == {"data": T0 + timedelta(hours=1)}
    assert usage.image_last_used("desk-a") == {"app:1": T0}
    assert usage.image_last_used("desk-b") == {"repo@sha256:abc": T0 + timedelta(hours=1)}
    assert [row[0] for row in usage.volume_history("data", "desk-b")] == ["ledger"]
    assert usage.volume_last_used() == {}, "nothing was seen without an endpoint"
    # A use seen through --host (no endpoint) counts for every endpoint: kept, not cleaned.
    later = T0 + timedelta(days=1)
    usage.record([user("old-batch", "")], later)
    assert usage.volume_last_used("desk-a") == {"data": later}
    assert usage.volume_last_used() == {"data": later}
    assert [row[0] for row in usage.volume_history("data")] == ["old-batch"]
