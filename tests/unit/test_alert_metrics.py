"""The one table of alert metrics: every metric in it may be named by a rule in the config, the
engine reads it from the snapshot, and its unit is there to show a value with."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from fintui.config import ConfigError, load_settings
from fintui.core.alerts import RestartWindow, Rule, observe
from fintui.core.metrics import (
    CONTAINER,
    FORECAST,
    GPU,
    HOST,
    METRIC_NAMES,
    METRICS,
    Metric,
    unit_of,
)
from fintui.model import (
    ClusterSnapshot,
    Container,
    ContainerStats,
    Filesystem,
    Forecast,
    Gpu,
    HostStats,
    SourceStatus,
)

T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
BOX = Container(id="id-a", name="pricer-1", image="i", state="running", status="",
                restart_count=0, service="pricing",
                stats=ContainerStats(42.0, 100, 400, 0, 0, 0, 0))
SNAP = ClusterSnapshot(
    T0, SourceStatus("demo://", True), containers=(BOX,),
    host=HostStats("desk", 12.5, 8, 2, 8, (0.1, 0.1, 0.1), (Filesystem("/", 100, 30),)),
    gpus=(Gpu(0, "H100", "u", mem_used_bytes=10, mem_total_bytes=40, temperature_c=61.0,
              ecc_corrected=1, ecc_uncorrected=2, power_watts=350.0,
              power_limit_watts=700.0),))
FULL = Forecast("fs /", "filesystem", 90.0, 100.0, "ok", "", "linear", 5.0, 2.0, 1.0, 3.0, (),
                "critical", True, None, ())
TARGETS = {"container": "pricer-1", "host": "desk", "gpu": "gpu0", "forecast": "fs /"}


def rule_file(tmp_path: Path, metric: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(f'[[alerts.rules]]\nname = "r"\nmetric = "{metric}"\nop = ">="\n'
                    'threshold = 0\nfor = "0s"\nseverity = "info"\n')
    return path


@pytest.mark.parametrize("metric", METRIC_NAMES)
def test_every_metric_in_the_table_is_accepted_and_evaluated(tmp_path: Path,
                                                             metric: str) -> None:
    rule, = load_settings(str(rule_file(tmp_path, metric))).alerts.rules
    assert rule == Rule("r", metric, ">=", 0.0, 0.0, "info")
    observations = observe([rule], SNAP, RestartWindow(window=T0 - T0), [FULL])
    # cpu_pinned needs siblings to compare with: with none, it is not known, not 0.
    if metric == "container.cpu_pinned":
        assert observations == []
        return
    assert [(o.target, o.rule.metric) for o in observations] == [
        (TARGETS[metric.split(".")[0]], metric)]


def test_a_name_outside_the_table_is_refused_with_file_line_and_key(tmp_path: Path) -> None:
    path = rule_file(tmp_path, "container.cpu_percnt")
    with pytest.raises(ConfigError) as caught:
        load_settings(str(path))
    assert str(caught.value).startswith(f"{path}:1: key 'alerts.rules[0].metric': must be one "
                                        "of container.cpu_percent, ")


def test_values_are_read_as_before() -> None:
    read = {m.name: m for m in METRICS}
    assert read["host.mem_percent"].read(SNAP.host) == 25.0
    assert read["host.fs_percent"].read(SNAP.host) == 30.0
    assert read["gpu.mem_percent"].read(SNAP.gpus[0]) == 25.0
    assert read["gpu.ecc_errors"].read(SNAP.gpus[0]) == 3.0
    assert read["forecast.severity"].read(FULL) == 2.0
    assert read["forecast.expand"].read(FULL) == 1.0
    assert read["forecast.days_to_full"].read(FULL) == 2.0


def test_each_metric_has_a_unit_help_and_the_kind_of_its_table() -> None:
    tables: dict[str, tuple[Metric[Any], ...]] = {
        "container": CONTAINER, "host": HOST, "gpu": GPU, "forecast": FORECAST}
    for kind, table in tables.items():
        for metric in table:
            assert metric.kind == kind and metric.unit and metric.help, metric.name
    assert len(set(METRIC_NAMES)) == len(METRICS)
    assert unit_of("forecast.days_to_full") == "days"
    assert unit_of("gpu.temperature") == "°C"
    assert unit_of("no.such") == ""


def test_a_gpu_at_its_power_cap_fires_and_one_without_a_limit_is_not_known() -> None:
    """gpu.power_percent: an inference card drawing at its limit throttles (clocks drop,
    latency climbs) before anything else shows; a card whose limit NVML does not report is
    left out rather than read as 0."""
    capped = Gpu(0, "H100", "u0", power_watts=698.0, power_limit_watts=700.0)
    idle = Gpu(1, "H100", "u1", power_watts=90.0, power_limit_watts=700.0)
    unknown = Gpu(2, "T4", "u2", power_watts=60.0, power_limit_watts=None)
    snap = ClusterSnapshot(T0, SourceStatus("demo://", True), gpus=(capped, idle, unknown))
    rule = Rule("gpu-power-cap", "gpu.power_percent", ">=", 95.0, 0.0, "warning")
    seen = observe([rule], snap, RestartWindow(window=T0 - T0), [])
    assert [(o.target, round(o.value, 1), o.breached) for o in seen] == [
        ("gpu0", 99.7, True), ("gpu1", 12.9, False)]
    assert unit_of("gpu.power_percent") == "%"
