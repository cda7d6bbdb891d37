"""A capacity alert's runbook fits what is filling up: storage is cleaned, memory is not."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from fintui.core.alerts import CAPACITY, AlertEngine, RestartWindow, observe
from fintui.core.forecast import ForecastRules, forecast
from fintui.model import ClusterSnapshot, Forecast, SourceStatus

T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
KINDS = ("filesystem", "volume", "images", "build-cache", "host-memory", "container-memory",
         "gpu-memory")


def filling(kind: str, days_left: float) -> Forecast:
    """A series growing one unit a day, `days_left` days from full."""
    series = [(h * 3600.0, 100.0 + h / 24) for h in range(10 * 24 + 1)]
    return forecast(f"{kind} x", kind, series, 110 + days_left, ForecastRules())


def runbooks(forecasts: list[Forecast], rules: tuple = CAPACITY) -> dict[tuple[str, str], str]:
    engine = AlertEngine(30)
    engine.evaluate(observe(rules, ClusterSnapshot(T0, SourceStatus("demo://", True)),
                            RestartWindow(timedelta(minutes=5)), forecasts), T0)
    return {(a.rule, a.target.split()[0]): a.runbook for a in engine.active.values()}


@pytest.mark.parametrize("days_left, rule", [(3, "capacity-critical"),
                                             (30, "capacity-warning")])
def test_each_resource_gets_its_own_runbook(days_left: float, rule: str) -> None:
    found = runbooks([filling(kind, days_left) for kind in KINDS])
    assert set(found) == {(rule, kind) for kind in KINDS}
    storage = {found[rule, kind] for kind in ("filesystem", "volume", "images", "build-cache")}
    assert len(storage) == 1  # one remedy for disk space, whatever fills it
    memory = {kind: found[rule, kind] for kind in ("host-memory", "container-memory",
                                                   "gpu-memory")}
    for kind, text in memory.items():
        assert "clean" not in text and "storage" not in text, kind  # frees no memory
        assert text not in storage
    assert len(set(memory.values())) == 3
    if rule == "capacity-critical":
        assert "clean stale storage (3, then c)" in storage.pop()
        assert "(1, then M)" in memory["host-memory"]  # the biggest memory user, two keys
        assert "limit" in memory["container-memory"]
        assert "GPU" in memory["gpu-memory"]


def test_an_operators_own_capacity_rule_keeps_its_runbook() -> None:
    own = replace(CAPACITY[0], name="disk-soon", runbook="Page the storage team.")
    found = runbooks([filling("host-memory", 3)], rules=(own,))
    assert found == {("disk-soon", "host-memory"): "Page the storage team."}
