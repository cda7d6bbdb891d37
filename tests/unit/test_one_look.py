"""What one sweep can tell of restarts, for `status` and `alerts` with no agent watching."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fintui.core.alerts import one_look
from fintui.model import Container

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=5)


def box(name: str, state: str, restarts: int, created_ago: timedelta) -> Container:
    return Container(id=name, name=name, image="x", state=state, status="",
                     created=NOW - created_ago, restart_count=restarts)


def test_young_or_restarting_containers_count_their_restarts_old_ones_do_not() -> None:
    seen = one_look([box("young", "running", 4, timedelta(minutes=2)),
                     box("looping", "restarting", 40, timedelta(days=9)),
                     box("old", "running", 40, timedelta(days=9)),
                     box("calm", "running", 0, timedelta(minutes=1))], NOW, WINDOW)
    assert {c: seen.increase(c) for c in ("young", "looping", "old", "calm")} == {
        "young": 4, "looping": 40, "old": 0, "calm": 0}
