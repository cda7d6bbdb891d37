"""Without an agent, no container is inspected more than once per sweep: not by `status
--json`, and not by a console's own sweeps while the daemon changes containers under them."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import docker
import pytest
from docker.errors import NotFound

from fintui.cli import build_parser, main
from fintui.config import load_settings
from fintui.poller import make_poller
from fintui.sources.docker_engine import DockerEngineSource
from fintui.sources.engine_client import EngineClient
from fintui.wiring import build_parts
from tests.integration.busybox_image import TEST_IMAGE
from tests.integration.conftest import HOST, LABEL, RUN_ID

pytestmark = pytest.mark.integration

PREFIX = f"fintui-insp-{RUN_ID}-"
INSPECT = re.compile(r"/containers/([0-9a-f]{64})/json")


@pytest.fixture
def boxes(client: docker.DockerClient) -> Iterator[list[Any]]:
    """Three idle containers of this run's, removed afterwards."""
    made = [client.containers.run(TEST_IMAGE, ["sleep", "300"], name=f"{PREFIX}{n}",
                                  labels={LABEL: RUN_ID}, detach=True) for n in range(3)]
    yield made
    for box in made:
        with contextlib.suppress(NotFound):
            box.remove(force=True)


@pytest.fixture
def inspects(monkeypatch: pytest.MonkeyPatch) -> collections.Counter[str]:
    """GET /containers/{id}/json by container id, from every Engine client in this process
    (cleared by the test between sweeps)."""
    counts: collections.Counter[str] = collections.Counter()
    plain = EngineClient.request

    async def counting(self: EngineClient, method: str, path: str,
                       params: Mapping[str, str] | None = None, body: Any = None,
                       timeout: float | None = None, decode: bool = True) -> Any:
        found = INSPECT.fullmatch(path)
        if method == "GET" and found:
            counts[found.group(1)] += 1
        return await plain(self, method, path, params, body, timeout, decode)

    monkeypatch.setattr(EngineClient, "request", counting)
    return counts


def config_in(tmp_path: Path) -> Path:
    path = tmp_path / "fintui.toml"
    path.write_text(f'[paths]\nstate_dir = "{tmp_path / "state"}"\n', encoding="utf-8")
    return path


def twice(counts: collections.Counter[str]) -> dict[str, int]:
    return {cid[:12]: n for cid, n in counts.items() if n > 1}


def test_status_json_inspects_each_container_once(
        tmp_path: Path, boxes: list[Any], inspects: collections.Counter[str],
        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--config", str(config_in(tmp_path)), "--host", HOST, "--no-agent",
                 "status", "--json"])
    shown = {c["id"] for c in json.loads(capsys.readouterr().out)["containers"]}
    assert code == 0
    assert {b.id for b in boxes} <= shown
    assert {b.id for b in boxes} <= set(inspects)  # restart counts, health: inspect data
    assert twice(inspects) == {}


async def test_console_sweeps_inspect_each_container_at_most_once_while_it_changes(
        tmp_path: Path, boxes: list[Any], inspects: collections.Counter[str]) -> None:
    args = build_parser().parse_args(["--config", str(config_in(tmp_path)), "--host", HOST,
                                      "--no-agent"])
    parts = build_parts(args, load_settings(args.config))
    source = parts.source
    assert isinstance(source, DockerEngineSource)
    source.relist_interval = 3600  # between sweeps the list follows events, as a console's
    poller = make_poller(parts)
    ours = {b.id: b for b in boxes}
    seen: dict[tuple[str, str], asyncio.Event] = collections.defaultdict(asyncio.Event)

    async def follow() -> None:  # as the poller's own follower: the source notes each event
        async for event in source.events():
            cid = str((event.get("Actor") or {}).get("ID") or "")
            if cid in ours:
                seen[cid, str(event.get("Action"))].set()

    async def flick(box: Any, wait: float = 10) -> None:
        """Pause and unpause it; back once the source has noted the unpause."""
        for action in ("pause", "unpause"):
            seen.pop((box.id, action), None)
        await asyncio.to_thread(box.pause)
        await asyncio.to_thread(box.unpause)
        await asyncio.wait_for(seen[box.id, "unpause"].wait(), wait)

    following = asyncio.create_task(follow())
    try:
        for _ in range(20):  # the stream is live once a change of ours comes down it
            with contextlib.suppress(TimeoutError):
                await flick(boxes[0], wait=0.5)
                break
        snap = await poller.sweep_once()
        assert {b.id for b in boxes} <= {c.id for c in snap.containers}
        assert twice(inspects) == {}, "first sweep"

        # Two restarted-ish containers are asked about again in the next sweep; while it
        # asks about the second, the first is paused: the daemon changed it mid-sweep.
        await asyncio.gather(flick(boxes[0]), flick(boxes[1]))
        inspects.clear()
        answered: list[str] = []
        plain = EngineClient.request

        async def mid_sweep(self: EngineClient, method: str, path: str,
                            params: Mapping[str, str] | None = None, body: Any = None,
                            timeout: float | None = None, decode: bool = True) -> Any:
            answer = await plain(self, method, path, params, body, timeout, decode)
            found = INSPECT.fullmatch(path)
            if found and found.group(1) in ours and found.group(1) not in answered:
                answered.append(found.group(1))
                if len(answered) == 2:
                    seen.pop((answered[0], "pause"), None)
                    await asyncio.to_thread(ours[answered[0]].pause)
                    await asyncio.wait_for(seen[answered[0], "pause"].wait(), 10)
            return answer

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(EngineClient, "request", mid_sweep)
            snap = await poller.sweep_once()
        assert len(answered) == 2, "both changed containers were asked about"
        assert snap.source.connected
        assert twice(inspects) == {}, "second sweep, with a change under it"

        inspects.clear()
        snap = await poller.sweep_once()
        assert twice(inspects) == {}, "third sweep"
        paused = next(c for c in snap.containers if c.id == answered[0])
        assert paused.state == "paused", "the change made mid-sweep shows at the next sweep"
    finally:
        following.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await following
        await source.close()
