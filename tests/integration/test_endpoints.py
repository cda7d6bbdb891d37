"""Several endpoints in one console: the engineer's daemon (desk-a, only this run's objects
touched) and a private dockerd of the test's own (desk-b, own socket, data root and network
namespace). desk-b is stopped mid-test while desk-a stays live, then comes back."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from fintui.tui.panes.containers import ContainersPane
from fintui.tui.panes.volumes import VolumesPane
from fintui.tui.screens.actions import ConfirmScreen
from fintui.tui.screens.cleanup import CleanupScreen
from fintui.tui.widgets.row_table import RowTable
from tests.integration.conftest import HOST, LABEL, PREFIX, RUN_ID
from tests.integration.private_daemon import PrivateDaemon, daemon_with_probe
from tests.tui.helpers import (
    make_app,
    screen_text,
    until_action_finished,
    until_loaded,
    until_screen,
    wait_for,
)

pytestmark = pytest.mark.integration
TWIN = PREFIX + "twin"  # the same name on both daemons: rows and actions must not mix


@pytest.fixture
def desk_b() -> Iterator[PrivateDaemon]:
    with daemon_with_probe(TWIN, labels={LABEL: RUN_ID}) as d:
        yield d


@pytest.fixture
def two_endpoints(tmp_path: Path, desk_b: PrivateDaemon,
                  run_container: Callable[..., Any]) -> Path:
    run_container("twin", ["sleep", "600"], network_mode="none")
    config = tmp_path / "endpoints.toml"
    config.write_text(
        '[ui]\nrefresh_interval = 1.0\n\n'
        '[docker]\nrequest_timeout = 2.0\nreconnect_max_backoff = 1.0\n\n'
        f'[[endpoints]]\nname = "desk-a"\nurl = "{HOST}"\n\n'
        f'[[endpoints]]\nname = "desk-b"\nurl = "{desk_b.url}"\n')
    return config


def rows(app: Any) -> dict[tuple[str, str], dict[str, str]]:
    """(name, endpoint cell) -> the row's cells, for this run's containers."""
    pane = app.query_one(ContainersPane)
    out = {}
    for key in pane.row_keys():
        name = pane.cell_text(key, "name")
        if name.startswith(PREFIX):
            cells = {col: pane.cell_text(key, col) for col in pane._visible}
            out[(name, cells["endpoint"])] = cells
    return out


async def until_rows(pilot: Any, wanted: set[tuple[str, str]], seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.1)):
        if wanted <= set(rows(pilot.app)):
            return
        await pilot.pause(0.1)
    raise AssertionError(f"rows {wanted} not all shown: {sorted(rows(pilot.app))}")


async def test_one_endpoint_stops_the_other_stays_live_then_both_again(
        two_endpoints: Path, desk_b: PrivateDaemon, client: docker.DockerClient,
        run_container: Callable[..., Any]) -> None:
    app = make_app(demo=False, config=two_endpoints)
    async with app.run_test(size=(200, 40)) as pilot:
        await until_loaded(pilot)
        await until_rows(pilot, {(TWIN, "desk-a"), (TWIN, "desk-b")})
        text = screen_text(app)
        assert "● desk-a" in text and "● desk-b" in text and "DOWN" not in text
        await pilot.press("3")  # storage and cleanup are the first endpoint's, and say so
        await wait_for(pilot, "endpoint desk-a", 5)
        await pilot.press("1")

        # The filter narrows to one endpoint by name.
        await pilot.press("slash", *"@desk-b", "enter")
        await pilot.pause(0.2)
        assert set(rows(app)) == {(TWIN, "desk-b")}
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert {(TWIN, "desk-a"), (TWIN, "desk-b")} <= set(rows(app))

        await asyncio.to_thread(desk_b.stop)
        await wait_for(pilot, "desk-b DOWN", 5)
        text = screen_text(app)
        assert "● desk-a" in text and "STALE since" in text
        # desk-b's last rows stay, marked; desk-a goes on being polled.
        await until_rows(pilot, {(TWIN, "✕ desk-b")})
        run_container("late", ["sleep", "600"], network_mode="none")
        await until_rows(pilot, {(PREFIX + "late", "desk-a")})
        assert "desk-b DOWN" in screen_text(app)
        assert app.is_running

        await asyncio.to_thread(desk_b.start)
        await wait_for(pilot, "● desk-b", 15)
        assert "DOWN" not in screen_text(app)
        await until_rows(pilot, {(TWIN, "desk-b")})


async def test_isolate_acts_on_the_rows_own_endpoint(
        two_endpoints: Path, desk_b: PrivateDaemon, client: docker.DockerClient) -> None:
    app = make_app(demo=False, config=two_endpoints)
    async with app.run_test(size=(200, 40)) as pilot:
        await until_loaded(pilot)
        await until_rows(pilot, {(TWIN, "desk-a"), (TWIN, "desk-b")})
        pane = app.query_one(ContainersPane)
        index = next(i for i, key in enumerate(pane.row_keys())
                     if pane.cell_text(key, "name") == TWIN
                     and pane.cell_text(key, "endpoint") == "desk-b")
        pane.table.move_cursor(row=index)
        await pilot.pause()
        await pilot.press("i")
        await until_screen(pilot, ConfirmScreen)
        await pilot.press("y")
        await until_action_finished(pilot)
        await pilot.press("escape")

    b = desk_b.client()
    try:
        twin_b = b.containers.get(TWIN)
        assert twin_b.status == "paused"
        assert twin_b.attrs["HostConfig"]["RestartPolicy"]["Name"] == "no"
        replacements = [c for c in b.containers.list()
                        if c.name.startswith(TWIN + "-replacement-")]
        assert [c.status for c in replacements] == ["running"]
    finally:
        b.close()
    twin_a = client.containers.get(TWIN)
    assert twin_a.status == "running", "the same name on the other daemon is untouched"
    assert not [c for c in client.containers.list(all=True)
                if c.name.startswith(TWIN + "-replacement")]
    records = app.ops.audit.records()
    assert [(r["action"], r["outcome"], r.get("endpoint")) for r in records] == [
        ("isolate", "started", "desk-b"), ("isolate", "ok", "desk-b")]


def test_cli_status_names_each_endpoint_and_exits_1_when_one_is_down(
        two_endpoints: Path, desk_b: PrivateDaemon) -> None:
    def status(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "fintui", "--config", str(two_endpoints),
                               *extra, "status", "--json"],
                              capture_output=True, text=True, timeout=60)

    live = status()
    assert live.returncode == 0, live.stderr
    doc = json.loads(live.stdout)
    assert [(e["name"], e["connected"]) for e in doc["endpoints"]] == [
        ("desk-a", True), ("desk-b", True)]
    assert {("desk-a", TWIN), ("desk-b", TWIN)} <= {
        (c["endpoint"], c["name"]) for c in doc["containers"]}

    only_b = json.loads(status("--endpoint", "desk-b").stdout)
    assert {c["endpoint"] for c in only_b["containers"]} == {"desk-b"}

    desk_b.stop()
    down = status()
    assert down.returncode == 1
    assert "Traceback" not in down.stderr
    socket = desk_b.url.removeprefix("unix://")
    assert down.stderr.startswith("fintui: endpoints down: desk-b: ")
    assert socket in down.stderr
    doc = json.loads(down.stdout)
    assert [(e["name"], e["connected"]) for e in doc["endpoints"]] == [
        ("desk-a", True), ("desk-b", False)]
    assert ("desk-a", TWIN) in {(c["endpoint"], c["name"]) for c in doc["containers"]}


def test_two_endpoints_to_one_daemon_list_its_containers_once(
        tmp_path: Path, run_container: Callable[..., Any]) -> None:
    twin = run_container("twin", ["sleep", "600"], network_mode="none")
    config = tmp_path / "same-daemon.toml"
    config.write_text(f'[[endpoints]]\nname = "desk-a"\nurl = "{HOST}"\n\n'
                      f'[[endpoints]]\nname = "desk-a-again"\nurl = "{HOST}"\n')
    result = subprocess.run([sys.executable, "-m", "fintui", "--config", str(config),
                             "status", "--json"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [(e["name"], e["connected"], e["same_as"]) for e in doc["endpoints"]] == [
        ("desk-a", True, None), ("desk-a-again", True, "desk-a")]
    assert [c["endpoint"] for c in doc["containers"] if c["id"] == twin.id] == ["desk-a"]
    swarm = [s["name"] for s in doc["services"] if s["mode"] != "compose"]
    assert len(swarm) == len(set(swarm))  # a manager's services, not once per way in
    text = subprocess.run([sys.executable, "-m", "fintui", "--config", str(config), "status"],
                          capture_output=True, text=True, timeout=60).stdout
    assert "same daemon as desk-a" in text
    assert text.count(TWIN) == 1


def test_acting_verbs_need_an_endpoint_when_several_are_configured(
        two_endpoints: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "fintui", "--config", str(two_endpoints),
                             "isolate", TWIN, "--yes"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == ("fintui: 2 endpoints are configured (desk-a, desk-b): "
                                     "name the one to act on with --endpoint NAME")


async def test_volumes_and_cleanup_act_on_the_endpoint_the_pane_shows(
        two_endpoints: Path, desk_b: PrivateDaemon, client: docker.DockerClient,
        run_container: Callable[..., Any]) -> None:
    """The Volumes pane shows one daemon's storage at a time (a key: the next); cleanup plans
    from that daemon's objects and containers only, and removes through it."""
    labels = {LABEL: RUN_ID}
    vol_a = client.volumes.create(PREFIX + "vol-a", labels=labels)
    # The same volume name on both daemons: in use on desk-a, unused on desk-b.
    shared_a = client.volumes.create(PREFIX + "shared", labels=labels)
    run_container("user-a", ["sleep", "600"], network_mode="none",
                  volumes={PREFIX + "shared": {"bind": "/data", "mode": "rw"}})
    stopped_a = run_container("stopped-a", ["true"], network_mode="none")
    stopped_a.wait(timeout=30)
    b = desk_b.client()
    try:
        b.volumes.create(PREFIX + "stale-b", labels=labels)
        b.volumes.create(PREFIX + "shared", labels=labels)
    finally:
        b.close()
    config = two_endpoints
    # The switch key rebound (to z, which nothing else has): the pane's hint must name the
    # key that works.
    config.write_text(config.read_text() + '\n[cleanup]\nnamed_volumes = true\n'
                      'volume_ttl = "1s"\ncontainer_ttl = "1s"\n'
                      '\n[keys]\n"app.endpoint" = "z"\n')
    await asyncio.sleep(2)  # older than the policy's TTLs
    app = make_app(demo=False, config=config)
    try:
        async with app.run_test(size=(200, 40)) as pilot:
            await until_loaded(pilot)
            await pilot.press("3")
            pane = app.query_one(VolumesPane)

            async def volumes_when(shown: str) -> set[str]:
                """The pane's volume names once `shown` is among them."""
                names: set[str] = set()
                for _ in range(100):
                    table = pane.query_one("#table-volumes", RowTable)
                    names = set(table.row_keys())
                    if shown in names:
                        break
                    await pilot.pause(0.1)
                return names

            await wait_for(pilot, "endpoint desk-a (1 of 2, z: next)")
            names = await volumes_when(PREFIX + "vol-a")
            assert PREFIX + "vol-a" in names and PREFIX + "stale-b" not in names
            await pilot.press("z")
            await wait_for(pilot, "endpoint desk-b (2 of 2, z: next)")
            names = await volumes_when(PREFIX + "stale-b")
            assert PREFIX + "stale-b" in names and PREFIX + "vol-a" not in names
            await pilot.press("c")
            screen = await until_screen(pilot, CleanupScreen)
            names = {item.name for item in screen.items}
            assert PREFIX + "stale-b" in names
            assert PREFIX + "shared" in names, "desk-a's container does not use desk-b's volume"
            assert PREFIX + "stopped-a" not in names, "desk-a's stopped container is not desk-b's"
            assert TWIN not in names  # running on desk-b
            await pilot.press("y")
            progress = await until_action_finished(pilot)
            assert progress.outcome == "done"
            await pilot.press("enter")
            # The switch is the console's: the Containers pane shows desk-b's rows only, and
            # the same key there steps on to every endpoint.
            await pilot.press("1")
            containers = app.query_one(ContainersPane)
            await wait_for(pilot, "endpoint desk-b only")
            mine = [c for c in app.state.snapshot.containers if c.id in containers.row_keys()]
            assert mine and {c.endpoint for c in mine} == {"desk-b"}
            await pilot.press("z")
            await pilot.pause(0.2)
            assert "endpoint desk-b only" not in screen_text(app)
            shown = set(containers.row_keys())
            assert {c.endpoint for c in app.state.snapshot.containers
                    if c.id in shown} == {"desk-a", "desk-b"}
    finally:
        b = desk_b.client()
        try:
            left = {v.name for v in b.volumes.list()}
        finally:
            b.close()
    assert PREFIX + "stale-b" not in left and PREFIX + "shared" not in left
    try:
        vol_a.reload()  # still there: cleaning desk-b never reaches desk-a
        shared_a.reload()
        stopped_a.reload()
    finally:
        for container in client.containers.list(all=True, filters={"name": PREFIX + "user-a"}):
            container.remove(force=True)
        vol_a.remove()
        shared_a.remove()
    records = [r for r in app.ops.audit.records() if r["action"] == "clean"]
    assert [(r["outcome"], r.get("endpoint")) for r in records] == [
        ("started", "desk-b"), ("ok", "desk-b")]
