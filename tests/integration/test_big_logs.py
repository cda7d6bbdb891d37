"""Big logs from a real container: 32 MiB without a newline comes through the log source as
marked pieces of at most the cap, nothing lost, and a forensics capture of it is bounded and
says it was cut. Only containers of this run (PREFIX, LABEL) are made and read."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fintui.clock import SystemClock
from fintui.core.log_lines import CAPTURE_MAX_CHARS, CONTINUED, CONTINUES, TRUNCATED_PREFIX
from fintui.ops.forensics import capture
from fintui.sources.docker_engine import DockerEngineSource
from fintui.sources.engine_actions import EngineActions
from fintui.sources.engine_client import EngineClient, parse_endpoint
from fintui.sources.log_stream import MAX_LINE_BYTES
from tests.integration.conftest import HOST

SIZE = 32 * 1024 * 1024


def client() -> EngineClient:
    return EngineClient(parse_endpoint(HOST), request_timeout=30, connect_timeout=3)


def flood(run_container: Callable[..., Any]) -> Any:
    """A container that printed 32 MiB of "x" with no newline, then "done", and exited."""
    container = run_container("flood", ["sh", "-c", f"head -c {SIZE} /dev/zero | tr '\\0' x; "
                                                    "echo; echo done"])
    assert container.wait(timeout=120)["StatusCode"] == 0
    return container


async def test_a_32_mib_line_arrives_as_marked_pieces_with_nothing_lost(
        run_container: Callable[..., Any]) -> None:
    container = flood(run_container)
    source = DockerEngineSource(client(), SystemClock(), stats_concurrency=4, inspect_refresh=30)
    try:
        lines = [line async for line in source.logs(container.id, 10**9, follow=False)]
    finally:
        await source.close()
    *pieces, last = lines
    assert last == "done"
    assert len(pieces) == SIZE // MAX_LINE_BYTES
    assert pieces[0].endswith(CONTINUES) and not pieces[0].startswith(CONTINUED)
    assert all(p.startswith(CONTINUED) and p.endswith(CONTINUES) for p in pieces[1:-1])
    assert pieces[-1].startswith(CONTINUED) and not pieces[-1].endswith(CONTINUES)
    bare = [p.removeprefix(CONTINUED).removesuffix(CONTINUES) for p in pieces]
    assert all(len(p) <= MAX_LINE_BYTES for p in bare)
    assert "".join(bare) == "x" * SIZE


async def test_forensics_keeps_the_newest_part_of_a_huge_log_and_says_so(
        run_container: Callable[..., Any], tmp_path: Path) -> None:
    container = flood(run_container)
    engine = client()
    try:
        bundle = await capture(EngineActions(engine), container.id, container.name,
                               tmp_path / "forensics", datetime.now(UTC), log_lines=10_000)
    finally:
        await engine.shutdown()
    text = (bundle.path / "logs.txt").read_text(encoding="utf-8")
    note, *kept = text.split("\n")
    assert note.startswith(TRUNCATED_PREFIX)
    assert len(text) <= CAPTURE_MAX_CHARS + len(note) + 1
    assert kept[-2].endswith(" done") and kept[-1] == ""  # the newest lines are the ones kept
    manifest = json.loads((bundle.path / "manifest.json").read_text())
    assert manifest["truncated"] == {"logs.txt": note.removeprefix(TRUNCATED_PREFIX)}
    assert bundle.truncated == manifest["truncated"]
