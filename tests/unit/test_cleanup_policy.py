"""The cleanup policy on plain data: what it takes, what it spares, and why."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from fintui.config import load_settings, parse_duration
from fintui.core.cleanup import plan_cleanup
from fintui.model import (
    BuildCacheEntry,
    Container,
    DiskUsage,
    ImageInfo,
    Mount,
    StoppedContainer,
    VolumeInfo,
)

NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
POLICY = load_settings(None).cleanup  # 7d volumes, 1d containers, 30d images, keep 3


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def vol(name: str, days: float, refs: int = 0, labels: tuple[tuple[str, str], ...] = ()
        ) -> VolumeInfo:
    return VolumeInfo(name, "local", f"/v/{name}", ago(days), labels, 1000, refs)


ANON = "ab" * 32


def box(name: str, state: str, mounts: tuple[Mount, ...] = (), finished: float | None = None,
        image: str = "app:1") -> Container:
    return Container(id=f"id-{name}", name=name, image=image, state=state, status="",
                     created=ago(40), mounts=mounts,
                     finished_at=None if finished is None else ago(finished))


def disk(volumes: tuple[VolumeInfo, ...] = (), images: tuple[ImageInfo, ...] = (),
         cache: tuple[BuildCacheEntry, ...] = ()) -> DiskUsage:
    return DiskUsage(NOW, 0, volumes, images,
                     (StoppedContainer("id-old", "old", "app:1", "exited", 500, ()),), cache)


def reasons(plan_items: list) -> dict[str, str]:  # type: ignore[type-arg]
    return {i.name: i.reason for i in plan_items}


def test_volumes_in_use_protected_named_young_and_stale() -> None:
    mount = lambda n: Mount("volume", n, f"/v/{n}", "/data", True)  # noqa: E731
    containers = [box("web", "running", (mount("used-running"),)),
                  box("job", "exited", (mount("used-stopped"),), finished=0.1)]
    plan = plan_cleanup(disk((vol(ANON, 10), vol("a" * 63 + "z", 10),
                              vol("used-running", 30, refs=1), vol("used-stopped", 30),
                              vol("keep", 30, labels=(("fintui.protect", "true"),)),
                              vol("young-" + "0" * 58, 1), vol(ANON[:-1] + "c", 2))),
                        containers, POLICY, NOW, {}, {})
    taken = reasons(plan.candidates)
    spared = reasons(plan.spared)
    assert set(taken) == {ANON}
    assert "unused for 10d" in taken[ANON]
    assert spared["used-running"] == "in use by web"
    assert spared["used-stopped"] == "in use by job"  # a stopped container still counts
    assert spared["keep"] == "protected (label fintui.protect=true)"
    assert "named volume" in spared["a" * 63 + "z"]
    assert "younger than 7d" in spared[ANON[:-1] + "c"]


def test_named_volumes_only_when_allowed_and_last_use_beats_creation() -> None:
    from dataclasses import replace

    allow = replace(POLICY, named_volumes=True)
    volumes = (vol("scratch", 30), vol("recently-used", 30))
    plan = plan_cleanup(disk(volumes), [], allow, NOW, {"recently-used": ago(1)}, {})
    assert [i.name for i in plan.candidates] == ["scratch"]
    assert "unused for 1d" in reasons(plan.spared)["recently-used"]


def test_protect_name_globs() -> None:
    from dataclasses import replace

    policy = replace(POLICY, named_volumes=True, protect_names=("prod-*",))
    plan = plan_cleanup(disk((vol("prod-weights", 90),)), [], policy, NOW, {}, {})
    assert plan.candidates == []
    assert reasons(plan.spared)["prod-weights"] == "protected (name matches prod-*)"


def test_stopped_containers_by_finish_time() -> None:
    containers = [box("old", "exited", finished=3), box("fresh", "exited", finished=0.2),
                  box("live", "running"), box("never", "created"),
                  Container(id="id-guard", name="guard", image="x", state="exited", status="",
                            labels=(("fintui.protect", "true"),), finished_at=ago(9))]
    plan = plan_cleanup(disk(), containers, POLICY, NOW, {}, {})
    assert {i.name for i in plan.candidates} == {"old", "never"}  # never: created 40d ago
    assert next(i for i in plan.candidates if i.name == "old").bytes == 500
    assert "younger than 1d" in reasons(plan.spared)["fresh"]
    assert "protected" in reasons(plan.spared)["guard"]
    assert "live" not in reasons(plan.spared)


def test_candidates_and_spared_come_in_one_order_whatever_the_daemon_lists() -> None:
    """The daemon lists volumes in no fixed order; two dry runs must read alike."""
    vols = [vol(f"scratch-{n}", 30) for n in (3, 1, 2)] + [vol("used", 30, refs=1),
                                                          vol("also-used", 30, refs=1)]
    containers = [box("b-done", "exited", finished=3), box("a-done", "exited", finished=3)]
    policy = replace(POLICY, named_volumes=True)
    first = plan_cleanup(disk(tuple(vols)), containers, policy, NOW, {}, {})
    again = plan_cleanup(disk(tuple(reversed(vols))), list(reversed(containers)), policy, NOW,
                         {}, {})
    names = [f"{i.kind} {i.name}" for i in first.candidates]
    assert names == ["volume scratch-1", "volume scratch-2", "volume scratch-3",
                     "container a-done", "container b-done"]
    assert [i.name for i in again.candidates] == [i.name for i in first.candidates]
    assert [i.name for i in first.spared] == [i.name for i in again.spared] == [
        "also-used", "used"]


def test_images_dangling_lru_per_repository_and_in_use() -> None:
    images = tuple(ImageInfo(f"sha256:{n}", (f"quant/model:{n}",), 100, 10, 0, ago(40 + n), ())
                   for n in range(5))
    images += (ImageInfo("sha256:dang", (), 50, 0, 0, ago(2), ()),
               ImageInfo("sha256:used", ("app:1",), 70, 0, 1, ago(90), ()))
    plan = plan_cleanup(disk(images=images), [box("web", "running")], POLICY, NOW, {},
                        {"quant/model:4": ago(0.5)})
    taken = {i.id for i in plan.candidates}
    # model:4 was used recently (LRU), so it and the two newest by creation are kept.
    assert taken == {"sha256:2", "sha256:3", "sha256:dang"}
    spared = {i.id: i.reason for i in plan.spared}
    assert spared["sha256:used"] == "used by a container"
    assert "most recent" in spared["sha256:4"] and "most recent" in spared["sha256:0"]
    assert next(i for i in plan.candidates if i.id == "sha256:2").bytes == 90  # unshared


def test_build_cache_idle_in_use_shared() -> None:
    cache = (BuildCacheEntry("old", "regular", 10, False, False, ago(30), ago(20)),
             BuildCacheEntry("busy", "regular", 10, True, False, ago(30), ago(20)),
             BuildCacheEntry("recent", "regular", 10, False, False, ago(30), ago(1)))
    plan = plan_cleanup(disk(cache=cache), [], POLICY, NOW, {}, {})
    assert [i.id for i in plan.candidates] == ["old"]


def test_match_limits_by_name_id_or_label() -> None:
    from dataclasses import replace

    allow = replace(POLICY, named_volumes=True)
    volumes = (vol("run1-a", 30), vol("other", 30, labels=(("team", "run1"),)), vol("z", 30))
    assert {i.name for i in plan_cleanup(disk(volumes), [], allow, NOW, {}, {},
                                         match="run1-*").candidates} == {"run1-a"}
    assert {i.name for i in plan_cleanup(disk(volumes), [], allow, NOW, {}, {},
                                         match="team=run1").candidates} == {"other"}


@pytest.mark.parametrize(("text", "seconds"), [("7d", 604800), ("12h", 43200), ("30m", 1800),
                                               ("1d12h", 129600), ("0s", 0), ("7 days", None),
                                               ("", None), ("d", None)])
def test_durations(text: str, seconds: float | None) -> None:
    assert parse_duration(text) == seconds
