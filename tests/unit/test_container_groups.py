"""Grouped rows of the Containers pane: headers with counts, folded groups, and the summary."""

from __future__ import annotations

from datetime import UTC, datetime

from fintui.core.container_groups import GROUP_PREFIX, grouped_rows, summary_line
from fintui.model import ClusterSnapshot, Container, Health, SourceStatus

NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


def box(name: str, service: str = "", state: str = "running") -> Container:
    return Container(id=name + "-id", name=name, image="img:1", state=state, status="",
                     health=Health.NONE, started_at=NOW, service=service)


ROWS = [box("pricing.1", "pricing"), box("pricing.2", "pricing", "exited"),
        box("risk.1", "risk"), box("lonely")]


def test_a_header_before_each_group_counts_its_running_members() -> None:
    keys, headers = grouped_rows(ROWS, folded=())
    assert keys == [GROUP_PREFIX + "pricing", "pricing.1-id", "pricing.2-id",
                    GROUP_PREFIX + "risk", "risk.1-id", GROUP_PREFIX, "lonely-id"]
    pricing = headers[GROUP_PREFIX + "pricing"]
    assert (pricing.name, pricing.count) == ("▾ pricing", "1/2 running")
    assert pricing.member.service == "pricing"
    assert headers[GROUP_PREFIX].name == "▾ standalone"


def test_a_folded_group_keeps_its_header_and_count_and_hides_its_members() -> None:
    keys, headers = grouped_rows(ROWS, folded={GROUP_PREFIX + "pricing"})
    assert keys[:2] == [GROUP_PREFIX + "pricing", GROUP_PREFIX + "risk"]
    assert headers[GROUP_PREFIX + "pricing"].name == "▸ pricing"
    assert headers[GROUP_PREFIX + "pricing"].count == "1/2 running"


def test_summary_says_what_is_shown_and_how() -> None:
    snap = ClusterSnapshot(taken_at=NOW, source=SourceStatus("unix:///x", True),
                           containers=tuple(ROWS))
    line = summary_line(snap, 2, "Name", "↑", grouped=True, filter_text="pri",
                        endpoint="desk-b")
    assert line == ("2 of 4 containers, 3 running  ·  sort: Name ↑  ·  grouped by service  ·  "
                    "filter: pri  ·  endpoint desk-b only")


def test_a_service_header_says_which_image_runs_and_since_when() -> None:
    from datetime import timedelta

    from fintui.core.container_groups import release_cells, tag_of
    from fintui.model import Service

    def replica(name: str, image: str, image_id: str, hours: float, service: str = "web",
                project: str = "") -> Container:
        return Container(id=name, name=name, image=image, image_id=image_id, state="running",
                         status="", service=service, project=project,
                         created=NOW - timedelta(hours=hours))

    swarm = [replica("web.1", "acme/web:2.4.1", "sha256:3f2a9c1b77", 5),
             replica("web.2", "acme/web:2.4.1", "sha256:3f2a9c1b77", 1)]
    updated = Service("svc", "web", "replicated", 2, 2, "acme/web:2.4.1",
                      updated=NOW - timedelta(hours=6))
    old_task = Container(id="old", name="web.1.old", image="acme/web:2.4.0", state="exited",
                         status="", service="web")
    assert release_cells([*swarm, old_task], [updated], NOW) == {"web": {
        "image": "2.4.1 @3f2a9c1b", "uptime": "6h",  # Swarm: the spec's last update
        "state": "2/2 running"}}  # not 2/3: the exited old task is history
    compose = [replica("a", "acme/db:15", "sha256:9bf681ae00", 3, "db", "back"),
               replica("b", "acme/db:16", "sha256:0000aaaa00", 1, "db", "back")]
    half_way = release_cells(compose, [], NOW)["back/db"]
    assert half_way == {"image": "2 images", "uptime": "3h"}  # compose: its oldest replica
    assert release_cells([box("lonely")], [], NOW) == {}  # standalone: no service to speak of
    assert tag_of("registry:5000/app") == "registry:5000/app"
    assert tag_of("busybox") == "busybox"
