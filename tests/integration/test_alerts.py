"""Fault signatures on a real dockerd: a crash loop and a failing healthcheck, seen by the
running console."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fintui.tui.panes.alerts import AlertsPane
from tests.integration.conftest import HOST, PREFIX
from tests.tui.helpers import FAST_CONFIG, make_app, until_loaded

pytestmark = pytest.mark.integration


def config(tmp_path: Path) -> Path:
    path = tmp_path / "alerts.toml"
    # Its own state folder: what an earlier run left paged there must not page here.
    path.write_text(FAST_CONFIG.read_text().replace("/tmp/fintui-test-state",
                                                    str(tmp_path / "state"))
                    + f'\n[alerts]\nstate_file = "{tmp_path}/s.toml"\nunhealthy_for = "2s"\n')
    return path


async def wait_alert(pilot: Any, rule: str, target: str, seconds: float) -> float:
    start = time.monotonic()
    await pilot.press("4")  # as the desk would: the Alerts pane is drawn while it is shown
    pane = pilot.app.main.query_one(AlertsPane)
    while time.monotonic() - start < seconds:
        if any(a.rule == rule and a.target == target and a.state == "firing"
               for a in pane.alerts):
            return time.monotonic() - start
        await pilot.pause(0.2)
    raise AssertionError(f"{rule} on {target} did not fire in {seconds}s: "
                         f"{[(a.rule, a.target, a.state) for a in pane.alerts]}")


async def test_crash_loop_fires_within_30_seconds(run_container: Callable[..., Any],
                                                  tmp_path: Path) -> None:
    app = make_app("--host", HOST, demo=False, config=config(tmp_path))
    async with app.run_test(size=(160, 40)) as pilot:
        await until_loaded(pilot)
        run_container("crasher", ["sh", "-c", "sleep 1; exit 3"],
                      restart_policy={"Name": "always"})
        took = await wait_alert(pilot, "crash-loop", PREFIX + "crasher", 30)
        print(f"crash-loop fired after {took:.1f}s")


async def test_failing_healthcheck_fires_unhealthy(run_container: Callable[..., Any],
                                                   tmp_path: Path) -> None:
    app = make_app("--host", HOST, demo=False, config=config(tmp_path))
    async with app.run_test(size=(160, 40)) as pilot:
        await until_loaded(pilot)
        run_container("sick", ["sleep", "300"], healthcheck={
            "test": ["CMD", "false"], "interval": 500_000_000, "timeout": 500_000_000,
            "retries": 1, "start_period": 0})
        await wait_alert(pilot, "unhealthy", PREFIX + "sick", 30)


def about_hooked(received: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages about this run's crash-looping container."""
    return [r for r in received
            if any(a["labels"]["target"] == PREFIX + "hooked" for a in r["alerts"])]


async def test_webhook_gets_firing_then_resolved_from_a_real_crash_loop(
        client: Any, run_container: Callable[..., Any], tmp_path: Path) -> None:
    from tests.integration.webhook_receiver import receiver

    async with receiver() as (url, received):
        path = config(tmp_path)
        path.write_text(path.read_text() + 'resolve_after = "1s"\n\n[[alerts.receivers]]\n'
                        f'name = "desk"\nurl = "{url}"\n'
                        'format = "alertmanager"\nseverities = ["critical"]\n')
        app = make_app("--host", HOST, demo=False, config=path)
        async with app.run_test(size=(160, 40)) as pilot:
            await until_loaded(pilot)
            crasher = run_container("hooked", ["sh", "-c", "sleep 1; exit 3"],
                                    restart_policy={"Name": "always"})
            await wait_alert(pilot, "crash-loop", PREFIX + "hooked", 30)
            for _ in range(50):
                if received:
                    break
                await pilot.pause(0.1)
            crasher.remove(force=True)  # gone: its alert resolves
            for _ in range(100):
                if "resolved" in [r["status"] for r in about_hooked(received)]:
                    break
                await pilot.pause(0.1)
    mine = about_hooked(received)
    assert [r["status"] for r in mine] == ["firing", "resolved"]
    assert mine[0]["alerts"][0]["labels"]["alertname"] == "crash-loop"


def test_one_status_sweep_without_an_agent_shows_a_crash_loop(
        run_container: Callable[..., Any], tmp_path: Path) -> None:
    from tests.integration.conftest import fintui, wait_until

    crasher = run_container("one-look", ["sh", "-c", "exit 3"],
                            restart_policy={"Name": "always"})
    steady = run_container("one-look-steady", ["sleep", "300"])

    def restarts() -> int:
        crasher.reload()
        return int(crasher.attrs["RestartCount"])

    wait_until(lambda: restarts() >= 3, 30, "three restarts")
    result = fintui("--config", str(config(tmp_path)), "--no-agent", "status", "--json")
    document = json.loads(result.stdout)
    assert document["agent"] is None  # one sweep, and it says so
    shown = {(a["rule"], a["target"]): a["state"] for a in document["alerts"]}
    assert shown.get(("crash-loop", PREFIX + "one-look")) == "firing", shown
    assert not any(target == steady.name for _, target in shown)
