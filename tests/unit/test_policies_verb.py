"""`fintui policies [--json]`: the agent's rows when one answers; with none, the configured
policies said to be not running (nothing runs them) and the requests from the state here.
A console attached to an agent reads the same rows, at most every few seconds."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from fintui.agent.acts import ActDesk
from fintui.agent.attached import AttachedWatch
from fintui.agent.policies_doc import policies_document
from fintui.agent.server import AgentServer
from fintui.agent.service import WatchBackend
from fintui.cli import build_parser, main
from fintui.cli_policies import policies_verb
from fintui.config import load_settings
from fintui.core.policy_rows import ApprovalRow, PolicyRow
from fintui.core.policy_view import NOT_RUNNING
from fintui.store.db import StateUnavailable
from fintui.watch.state import ClusterState
from fintui.watch.watch import Watch
from fintui.wiring import build_parts

POLICIES = Path(__file__).resolve().parent.parent / "sample-configs" / "policies.toml"
NAMES = {("open", "schedule"), ("pricing-burst", "autoscale"),
         ("gateway-unhealthy", "isolate")}


def config(tmp: Path) -> Path:
    """The policies config, its state in `tmp` (a test's own)."""
    path = tmp / "fintui.toml"
    path.write_text(POLICIES.read_text().replace("/tmp/fintui-test-state", str(tmp / "s")))
    return path


def test_without_an_agent_the_configured_policies_are_not_running(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = str(config(tmp_path))
    assert main(["--demo", "--config", cfg, "policies"]) == 0
    out = capsys.readouterr().out
    assert "nothing runs the policies now" in out
    assert all(cell_len(line) <= 80 for line in out.splitlines())
    for name, kind in NAMES:
        assert f"  {name}  {kind}  " in out and NOT_RUNNING in out
    assert "approvals: 0 waiting" in out

    assert main(["--demo", "--config", cfg, "policies", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["source"] == "config" and document["approvals"] == []
    assert {(p["name"], p["kind"]) for p in document["policies"]} == NAMES
    assert all(p["state"] == NOT_RUNNING for p in document["policies"])
    assert all(set(p) == {f.name for f in fields(PolicyRow)} for p in document["policies"])


@pytest.fixture
async def agent(tmp_path: Path, short_dir: Path) -> AsyncIterator[tuple[Path, Path, Watch]]:
    """A real agent (demo cluster, the policies config) on a unix socket."""
    cfg = config(tmp_path)
    args = build_parser().parse_args(["--demo", "--as", "ops", "--config", str(cfg)])
    parts = build_parts(args, load_settings(str(cfg)))
    watch = Watch(parts, parts.operations())
    socket = short_dir / "agent.sock"
    server = AgentServer(WatchBackend(watch, socket), socket, keepalive=0.5,
                         desk=ActDesk(watch))
    await server.start()
    task = asyncio.create_task(watch.run())
    try:
        for _ in range(200):
            if watch.state.snapshot is not None:
                break
            await asyncio.sleep(0.02)
        yield socket, cfg, watch
    finally:
        task.cancel()
        await server.stop()


async def test_through_the_agent_its_rows_are_listed(
        agent: tuple[Path, Path, Watch], capsys: pytest.CaptureFixture[str]) -> None:
    socket, cfg, watch = agent
    args = build_parser().parse_args(["--agent", str(socket), "--config", str(cfg),
                                      "policies", "--json"])
    assert await policies_verb(args, load_settings(str(cfg))) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["source"] == "agent"
    assert {(p["name"], p["kind"]) for p in document["policies"]} >= {
        (r.name, r.kind) for r in watch.policy_rows()}
    assert all(p["state"] != NOT_RUNNING for p in document["policies"])

    args = build_parser().parse_args(["--agent", str(socket), "--config", str(cfg),
                                      "policies"])
    assert await policies_verb(args, load_settings(str(cfg))) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"from the agent at {socket}")
    assert "…" not in out  # piped: every row whole, for a script to read
    for row in watch.policy_rows():
        assert not row.next or f"next: {row.next}" in out


async def test_an_attached_console_reads_the_rows_at_most_every_few_seconds(
        agent: tuple[Path, Path, Watch]) -> None:
    socket, cfg, watch = agent
    args = build_parser().parse_args(["--as", "ops", "--config", str(cfg)])
    parts = build_parts(args, load_settings(str(cfg)))
    attached = AttachedWatch(parts, parts.operations(), socket, ClusterState(10))
    assert await attached.read_policies()
    assert attached.policies_problem == ""
    assert [(r.name, r.kind) for r in attached.policy_rows()] == [
        (r.name, r.kind) for r in watch.policy_rows()]
    calls = 0
    real = watch.policy_rows

    def counted() -> list[PolicyRow]:
        nonlocal calls
        calls += 1
        return real()

    watch.policy_rows = counted  # type: ignore[method-assign]
    assert not await attached.read_policies()  # just read: not asked again
    assert calls == 0
    await attached.read_policies(fresh=True)  # an act was decided: asked at once
    assert calls == 1


async def test_an_agent_gone_keeps_the_rows_read_last_and_says_why(
        agent: tuple[Path, Path, Watch], short_dir: Path) -> None:
    socket, cfg, _ = agent
    args = build_parser().parse_args(["--as", "ops", "--config", str(cfg)])
    parts = build_parts(args, load_settings(str(cfg)))
    attached = AttachedWatch(parts, parts.operations(), socket, ClusterState(10))
    await attached.read_policies()
    rows = attached.policy_rows()
    attached.path = short_dir / "gone.sock"
    assert await attached.read_policies(fresh=True)
    assert attached.policy_rows() == rows
    assert "could not be read" in attached.policies_problem
    assert attached.policies_away  # the pane says nothing runs them now


def test_unreadable_requests_leave_the_policies_and_say_why() -> None:
    class Broken:
        def policy_rows(self) -> list[PolicyRow]:
            return [PolicyRow("open", "schedule", "pricing", "armed")]

        def approval_rows(self) -> list[ApprovalRow]:
            raise StateUnavailable("cannot use the state database x: locked", Path("x"),
                                   "locked")

    document: dict[str, Any] = policies_document(Broken())  # type: ignore[arg-type]
    assert [p["name"] for p in document["policies"]] == ["open"]
    assert document["approvals"] == []
    assert "locked" in document["problem"]


def test_without_an_agent_a_no_agent_console_holding_the_lock_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os

    from fintui.watch.policy_lock import PolicyLock

    cfg = config(tmp_path)
    state_dir = load_settings(str(cfg)).paths.state_dir
    state_dir.mkdir(parents=True, exist_ok=True)
    console = PolicyLock(state_dir / "policies.lock")
    assert console.take()  # a console started with --no-agent runs them
    try:
        assert main(["--config", str(cfg), "--no-agent", "policies"]) == 0
    finally:
        console.release()
    out = " ".join(capsys.readouterr().out.split())
    assert f"run by process {os.getpid()} (a console with --no-agent)" in out
    assert "nothing runs the policies now" not in out and NOT_RUNNING not in out
    # Let go: nothing runs them again.
    assert main(["--config", str(cfg), "--no-agent", "policies"]) == 0
    assert "nothing runs the policies now" in capsys.readouterr().out


def test_piped_the_rows_are_whole_and_on_a_terminal_wrapped_to_its_width(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import fintui.cli_policies as verb

    assert verb.terminal_width() is None  # captured: not a terminal
    monkeypatch.setattr(verb.sys.stdout, "isatty", lambda: True)
    monkeypatch.setattr(verb.shutil, "get_terminal_size",
                        lambda fallback=(80, 24): os_size(200, 50))
    assert verb.terminal_width() == 200


def os_size(columns: int, lines: int) -> Any:
    import os

    return os.terminal_size((columns, lines))
