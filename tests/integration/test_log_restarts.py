"""A crash-looping container's log is followed across its restarts: the daemon ends a followed
stream when the container stops, and the viewer opens the next run's, after a marked line.
Only a container of this run (PREFIX, LABEL) is made."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from textual.app import App

from fintui.clock import SystemClock
from fintui.model import Container, ContainerDetails, Health
from fintui.sources.docker_engine import DockerEngineSource
from fintui.sources.engine_client import EngineClient, parse_endpoint
from fintui.tui.screens.log_runs import RESTARTED
from fintui.tui.screens.logs import LogScreen
from tests.integration.conftest import HOST


class Reads:
    def __init__(self, engine: DockerEngineSource) -> None:
        self.engine = engine

    async def details(self, container_id: str) -> ContainerDetails:
        return await self.engine.details(container_id)

    def logs(self, container_id: str, tail: int, follow: bool,
             timestamps: bool = False) -> AsyncIterator[str]:
        return self.engine.logs(container_id, tail, follow, timestamps)


async def test_the_log_of_a_crash_loop_follows_its_next_run(
        run_container: Callable[..., Any]) -> None:
    made = run_container("crashlog", ["sh", "-c", "echo run-started; sleep 2; exit 3"],
                         restart_policy={"Name": "always"})
    engine = DockerEngineSource(EngineClient(parse_endpoint(HOST), request_timeout=30,
                                             connect_timeout=3), SystemClock(),
                                stats_concurrency=4, inspect_refresh=30)
    row = Container(id=made.id, name=made.name, image="busybox", state="running", status="",
                    health=Health.NONE, started_at=None)
    app: App[None] = App()
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            screen = LogScreen(Reads(engine), row, 100)
            await app.push_screen(screen)
            for _ in range(200):  # the first run ends after 2 s, the next starts a beat later
                lines = list(screen.lines)
                if RESTARTED in lines and lines.index(RESTARTED) < len(lines) - 1:
                    break
                await pilot.pause(0.1)
            lines = list(screen.lines)
            assert lines[0] == "run-started"
            assert RESTARTED in lines, lines
            assert "run-started" in lines[lines.index(RESTARTED) + 1:], lines
    finally:
        await engine.close()
