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
