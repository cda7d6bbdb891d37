"""The GPUs pane: the demo's two simulated cards, and a host without a driver."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from fintui.sources.gpu import NvmlGpuSource
from fintui.tui.panes.containers import ContainersPane
from tests.tui.helpers import make_app, screen_text, until_loaded, wait_for
from tests.unit.test_gpu_source import fake_nvml


async def on_gpus(pilot: Pilot[int]) -> None:
    await until_loaded(pilot)
    await pilot.press("2")
    await wait_for(pilot, "GPU 0")


def test_gpus_pane_120x36(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=(120, 36), run_before=on_gpus)


def test_gpus_pane_80x24(snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=on_gpus)


async def test_processes_are_joined_to_their_containers() -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await on_gpus(pilot)
        text = screen_text(app)
        assert "agents-llm-infer-1" in text and "agents/llm-infer" in text
        assert "throttle: sw_thermal_slowdown" in text and "fan n/a" in text
        assert "risk-var-batch-1  asked for device 1  IDLE: runs nothing on it" in text
        await pilot.press("1")
        pane = app.query_one(ContainersPane)
        key = next(k for k in pane.row_keys() if pane.cell_text(k, "name") == "agents-llm-infer-1")
        assert pane.cell_text(key, "gpu_mem") == "58GiB"


async def test_without_a_driver_the_pane_says_why_and_the_rest_runs() -> None:
    gpu = NvmlGpuSource(fake_nvml(init_error="NVML Shared Library Not Found"))
    app = make_app(gpu=gpu)
    async with app.run_test(size=(160, 40)) as pilot:
        await until_loaded(pilot)
        await pilot.press("2")
        await wait_for(pilot, "No GPUs here: NVML Shared Library Not Found.")
        await pilot.press("1")
        assert "● live" in screen_text(app)
        assert len(app.query_one(ContainersPane).row_keys()) == 11
