"""What the console says of releases: the images a rollout may choose, the mark a service's
rows carry while one runs and the word when it ends (core/running_acts.py,
core/image_choices.py), and "what is running" in Details (sources → core/inspect_view.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fintui.clock import FixedClock
from fintui.core.image_choices import image_choices, repository
from fintui.core.inspect_view import highlights, short_digest
from fintui.core.running_acts import RunningAct, RunningActs, cut_short, image_tag
from fintui.model import ImageInfo
from fintui.sources.demo import DEMO_START, DemoCluster
from fintui.sources.engine_details import details_from

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
DIGEST = "sha256:" + "3f2a9c1e4b5d" + "0" * 52


def image(ref: str, days: float, *more: str) -> ImageInfo:
    return ImageInfo(f"sha256:{ref}", (ref, *more), 1, 0, 0, NOW - timedelta(days=days), ())


def test_image_choices_the_services_repository_first_newest_first() -> None:
    images = [image("db/pg:15", 1), image("quant/px:2.3.9", 40), image("quant/px:2.4.1", 20),
              image("quant/px:2.5.0", 2, "quant/px:latest"),
              ImageInfo("sha256:dangling", (), 1, 0, 0, NOW, ()),
              ImageInfo("sha256:old", ("<none>:<none>",), 1, 0, 0, NOW, ())]
    choices = image_choices(images, "quant/px:2.4.1@" + DIGEST, NOW)
    assert [c.ref for c in choices] == ["quant/px:2.5.0", "quant/px:latest", "quant/px:2.4.1",
                                        "quant/px:2.3.9", "db/pg:15"]
    assert choices[2].label == "quant/px:2.4.1  ·  20d old  (running now)"
    assert choices[0].label == "quant/px:2.5.0  ·  2d old"


def test_an_images_repository_and_tag() -> None:
    assert repository("registry:5000/quant/px:2.4.1@" + DIGEST) == "registry:5000/quant/px"
    assert repository("busybox") == "busybox"
    assert image_tag("registry:5000/quant/px:2.4.1@" + DIGEST) == "2.4.1"
    assert image_tag("busybox") == "busybox"


def test_a_rollouts_mark_counts_what_is_done_and_fits_the_state_column() -> None:
    act = RunningAct("pricing", "rollout", "pricing", "quant/px:2.5.0")
    assert act.mark == "↑ to 2.5.0"
    act.add("service pricing: image quant/px:2.4.1 → quant/px:2.5.0")
    act.add("pricing: 2/3 tasks on quant/px:2.5.0")
    assert act.mark == "↑ 2/3 →2.5.0"
    back = RunningAct("risk/var-batch @a", "rollback", "risk/var-batch")
    assert back.mark == "↓ rollback"
    back.add("risk/var-batch: 1/4 replaced")
    assert back.mark == "↓ rollback 1/4"
    assert all(len(m) <= 14 for m in (act.mark, back.mark))  # the State column at 80


def test_how_a_release_ends_is_said() -> None:
    act = RunningAct("pricing", "rollout", "pricing", "quant/px:2.5.0")
    act.end(True, "done")
    assert act.ending == "rollout of pricing done"
    failed = RunningAct("pricing", "rollout", "pricing", "quant/px:bad")
    failed.end(False, "failed: rolled back: canary task pricing.1 exited with code 1; changed "
                      "before it stopped: service pricing: image quant/px:2.4.1 → quant/px:bad")
    assert failed.ending == "pricing rolled back: canary task pricing.1 exited with code 1"
    refused = RunningAct("pricing", "rollback", "pricing")
    refused.end(False, "refused: no rollout to go back from")
    assert refused.ending == "rollback of pricing refused: no rollout to go back from"


def test_only_running_releases_mark_rows_and_the_newest_per_service_counts() -> None:
    acts = RunningActs()
    first = acts.start(RunningAct("pricing", "rollout", "pricing", "quant/px:2.5.0"))
    acts.start(RunningAct("agents/llm-infer", "rollback", "agents/llm-infer"))
    assert acts.marks() == {"pricing": "↑ to 2.5.0", "agents/llm-infer": "↓ rollback"}
    first.end(True, "done")
    assert acts.running("pricing") is None and acts.get("pricing") is first
    assert acts.marks() == {"agents/llm-infer": "↓ rollback"}
    assert acts.said() == "agents/llm-infer ↓ rollback"  # for the line under the table


def test_what_a_release_cut_short_leaves_is_said_with_how_to_undo_it() -> None:
    swarm = cut_short("rollout", "pricing", "swarm", canary=True)
    assert swarm.startswith("Swarm goes on with the rollout of pricing on its own, with "
                            "nobody watching its canary")
    assert "canary" not in cut_short("rollout", "pricing", "swarm")  # none was asked for
    assert swarm.endswith("`fintui audit show` says what was done, `fintui rollback pricing` "
                          "goes back")
    compose = cut_short("rollout", "ferb/web", "compose")
    assert "some replicas on the new image and the rest on the old" in compose
    assert cut_short("rollback", "ferb/web", "compose").endswith(
        "`fintui rollback ferb/web` again finishes it")


INSPECT: dict[str, Any] = {
    "Id": "c0ffee", "Name": "/pricing.1.x", "Image": "sha256:" + "ab" * 32,
    "Created": "2026-03-01T09:00:00.5Z",
    "State": {"Status": "running", "StartedAt": "2026-03-02T01:00:00Z", "ExitCode": 0},
    "Config": {"Image": "quant/px:2.4.1@" + DIGEST,
               "Labels": {"com.docker.swarm.service.id": "svc1"}},
}


def container_section(details: Any) -> list[str]:
    return dict(highlights(details))["Container"]


def test_details_name_the_registry_digest_and_when_the_task_was_deployed() -> None:
    details = details_from(INSPECT, {"RepoDigests": ["quant/px@" + DIGEST]})
    lines = container_section(details)
    # A Swarm task (its label says so): when Swarm made its container, not the service's
    # last update, which may not have reached it yet or came after it exited.
    assert lines[1:4] == ["image: quant/px:2.4.1@" + DIGEST, "digest: sha256:3f2a9c1e4b5d…",
                          "deployed: 2026-03-01T09:00:00.5Z (task created)"]
    no_digest = details_from(INSPECT, {})
    assert container_section(no_digest)[2:4] == [
        f"image id: sha256:{'ab' * 6}… (no registry digest)",
        "deployed: 2026-03-01T09:00:00.5Z (task created)"]


def test_details_of_a_container_alone_say_when_it_was_created() -> None:
    alone = {**INSPECT, "Config": {**INSPECT["Config"], "Labels": {}}}
    details = details_from(alone)  # no image read (gone, or refused)
    assert container_section(details)[3] == "deployed: 2026-03-01T09:00:00.5Z (container created)"
    assert short_digest("busybox@sha256:abc") == "sha256:abc"


async def test_the_demo_says_what_runs_as_a_daemon_does() -> None:
    cluster = DemoCluster(seed=7, clock=FixedClock(DEMO_START), step_seconds=2.0)
    snap = await cluster.sweep()
    by_name = {c.name: c for c in snap.containers}
    swarm = await cluster.details(by_name["pricing.1.k3j9x2a1"].id)
    assert swarm.digests and swarm.digests[0].startswith("quant/pricing-engine@sha256:")
    # That task's own creation, as a daemon says it.
    assert swarm.deployed == "2026-03-01T22:19:00Z" and swarm.deployed_how == "task created"
    disk = cluster.storage()
    assert swarm.image_id in {i.id for i in disk.images}  # the id its disk usage lists
    compose = await cluster.details(by_name["ledger-db"].id)
    assert compose.deployed_how == "container created"
