"""Metric history and forecasts against the real daemon: `fintui collect` runs headless,
records a growing volume as `/system/df` sizes it, and `fintui forecast` finds the growth."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker
import psutil

from fintui.store.history import HistoryStore
from tests.integration.conftest import HOST, LABEL, PREFIX, RUN_ID, fintui, wait_until


def test_collect_records_a_growing_volume_and_forecast_sees_it_grow(
        client: docker.DockerClient, run_container: Callable[..., Any], tmp_path: Path) -> None:
    volume = client.volumes.create(PREFIX + "grow", labels={LABEL: RUN_ID})
    try:
        writer = run_container("grow", ["sleep", "600"],
                               volumes={volume.name: {"bind": "/d", "mode": "rw"}})
        config = tmp_path / "c.toml"
        config.write_text(
            f'[paths]\nstate_dir = "{tmp_path}/state"\n'
            '[history]\ndisk_interval = 0.5\n'
            '[forecast]\nmin_history = "1s"\n')
        collector = subprocess.Popen(
            [sys.executable, "-m", "fintui", "--host", HOST, "--config", str(config),
             "collect", "--interval", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        history = tmp_path / "state" / "history.sqlite"

        def volume_points() -> list[tuple[float, float]]:
            if not history.exists():
                return []
            store = HistoryStore(history)
            ids = [s.id for s in store.series() if s.name == volume.name]
            return store.points(ids[0])[0] if ids else []

        try:
            # A megabyte a second until collect has sampled the growth often enough (on a
            # busy machine `/system/df` can take longer than the interval).
            n = 0
            deadline = time.monotonic() + 90
            while len(volume_points()) < 7 and time.monotonic() < deadline:
                code, output = writer.exec_run(
                    ["sh", "-c", f"yes fintui | head -c 1048576 > /d/chunk{n}"])
                assert code == 0, output
                n += 1
                time.sleep(1.0)
            stopped = time.time()  # no more writes: wait for a sample of the final size
            wait_until(lambda: any(t > stopped + 1 for t, _ in volume_points()), 60,
                       "a sample after the last write")
        finally:
            collector.send_signal(signal.SIGTERM)
            _out, err = collector.communicate(timeout=30)
        assert collector.returncode == 0, err  # SIGTERM is a clean stop, not a crash

        store = HistoryStore(tmp_path / "state" / "history.sqlite")
        series = {(s.kind, s.name): s.id for s in store.series()}
        points, capacity = store.points(series[("volume", volume.name)])
        values = [v for _, v in points]
        assert len(points) >= 6 and values == sorted(values) and values[-1] > values[0]
        # The last sample is what the daemon reports for the volume now.
        df = client.df()
        size = next(v["UsageData"]["Size"] for v in df["Volumes"] if v["Name"] == volume.name)
        assert values[-1] == size >= n * 1024 * 1024
        # It can grow into its own size plus the free space of the daemon's data root.
        root = client.info()["DockerRootDir"]
        disk = psutil.disk_usage(root)
        assert capacity is not None
        assert abs(capacity - (size + disk.total - disk.used)) < 0.02 * disk.total
        assert ("filesystem", root) in series
        assert ("container-memory", writer.name) in series

        result = fintui("--config", str(config), "forecast", "--json")
        assert result.returncode == 0, result.stderr
        doc = next(d for d in json.loads(result.stdout)
                   if d["target"] == f"volume {volume.name}")
        assert doc["status"] == "ok" and doc["model"]
        # About a megabyte a second, as written.
        assert 0.5 * 2**20 * 86400 < doc["growth_bytes_per_day"] < 2 * 2**20 * 86400
        assert doc["days_to_full"] is not None and doc["days_to_full"] > 0
    finally:
        for container in client.containers.list(all=True, filters={"label": f"{LABEL}={RUN_ID}"}):
            if container.name == PREFIX + "grow":
                container.remove(force=True)
        volume.remove(force=True)
