"""Pane 7, Audit: who did what, newest first, from the demo's real audit log; listed by the
palette and help like every pane (they read the registry); a log it cannot read is one line."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import TabbedContent

from fintui.agent.client import AgentClient
from fintui.agent.remote_ops import RemoteOperations
from fintui.cli import build_parser
from fintui.config import load_settings
from fintui.core.audit_rows import AUDIT_SHOWN
from fintui.tui.app import FintuiApp
from fintui.tui.panes.audit import AuditPane
from fintui.tui.screens.actions import ConfirmScreen, ScaleScreen
from fintui.tui.screens.help import HelpScreen
from fintui.tui.widgets.row_table import RowTable
from fintui.wiring import build_parts
from tests.tui.helpers import (
    screen_text,
    until_action_finished,
    until_loaded,
    until_screen,
    wait_for,
)

# The snapshot's own state folder (its path is on screen): not the one other tests share.
SNAPSHOT_STATE = Path("/tmp/fintui-test-audit-pane")


def demo_app(state_dir: Path, os_user: str = "ops") -> FintuiApp:
    """`fintui --demo --as ops` with its state under `state_dir`, acting as an OS account
    named `os_user` (the screen must not depend on who runs the tests)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    config = state_dir / "fintui.toml"
    # One sweep only, as the snapshot config: the screen cannot change under the screenshot.
    config.write_text(f'[ui]\nrefresh_interval = 3600.0\n\n[paths]\nstate_dir = "{state_dir}"\n')
    args = build_parser().parse_args(["--demo", "--as", "ops", "--config", str(config)])
    parts = build_parts(args, load_settings(args.config))
    parts.identity = replace(parts.identity, user=os_user)
    return FintuiApp(parts, theme=args.theme)


async def scale_pricing_to_5(pilot: Pilot[Any]) -> None:
    from tests.tui.test_action_keys import select

    await until_loaded(pilot)
    await select(pilot, "pricing.2.p8d0s7q4")
    await pilot.press("s")
    await until_screen(pilot, ScaleScreen)
    await pilot.press("backspace", "5", "enter")
    await until_screen(pilot, ConfirmScreen)
    await pilot.press("y")
    await until_action_finished(pilot)
    await pilot.press("enter")
    app = pilot.app
    assert isinstance(app, FintuiApp)
    for _ in range(200):  # the sweep the act asked for: the header settles
        if app.snapshots_seen >= 2:
            break
        await pilot.pause(0.02)


async def test_a_scale_shows_in_the_audit_pane_at_80x24(tmp_path: Path) -> None:
    app = demo_app(tmp_path / "state", os_user="desk1")
    async with app.run_test(size=(80, 24)) as pilot:
        await scale_pricing_to_5(pilot)
        await pilot.press("7")
        await wait_for(pilot, "2 record(s), newest first")
        assert app.query_one("#panes", TabbedContent).active == "audit"
        lines = screen_text(app).splitlines()
        heading = next(line for line in lines if " Time " in line)
        for title in ("Time", "Who", "Action", "Target", "Outcome"):
            assert title in heading
        rows = [line.split() for line in lines[lines.index(heading) + 1:][:2]]
        # Newest first: the outcome, then the start; the OS account beside the --as name.
        assert [row[1:6] for row in rows] == [["ops", "[desk1]", "scale", "pricing", "ok"],
                                              ["ops", "[desk1]", "scale", "pricing",
                                               "started"]]
        table = app.query_one("#audit-table", RowTable)
        assert table.has_focus
        assert [r["outcome"] for r in app.ops.audit.records()] == ["started", "ok"]


async def test_an_act_refreshes_the_pane_shown(tmp_path: Path) -> None:
    app = demo_app(tmp_path / "state")
    async with app.run_test(size=(100, 30)) as pilot:
        await until_loaded(pilot)
        await pilot.press("7")
        await wait_for(pilot, "no acts recorded yet")
        app.ops.record("ack", "pricing.1", {"rule": "cpu"})  # as the Alerts pane's `a` does
        app.acted()
        await wait_for(pilot, "1 record(s), newest first")
        assert "ack" in screen_text(app)
        # On the newest record, the cursor stays on the newest as more arrive (as tail -f);
        # it used to stay on the first record seen, sinking as the log grew above it.
        table = app.query_one("#audit-table", RowTable)
        app.ops.record("ack", "pricing.2", {"rule": "cpu"})
        app.acted()
        await wait_for(pilot, "2 record(s), newest first")
        assert table.cursor_row == 0 and "pricing.2" in table.cell_text(
            table.selected_key() or "", "Target")
        table.move_cursor(1)  # elsewhere: it stays on its record
        app.ops.record("ack", "pricing.3", {"rule": "cpu"})
        app.acted()
        await wait_for(pilot, "3 record(s), newest first")
        assert table.cursor_row == 2 and "pricing.1" in table.cell_text(
            table.selected_key() or "", "Target")


async def test_a_log_it_cannot_read_is_one_line_saying_why(tmp_path: Path) -> None:
    app = demo_app(tmp_path / "state")
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        app.ops.audit.path = tmp_path  # a folder: no file to read as the log
        await pilot.press("7")
        await wait_for(pilot, "cannot read the audit log")
        assert "Traceback" not in screen_text(app)
        assert app.query_one(AuditPane).tail is not None


async def test_palette_and_help_list_the_audit_pane(tmp_path: Path) -> None:
    app = demo_app(tmp_path / "state")
    async with app.run_test(size=(100, 30)) as pilot:
        await until_loaded(pilot)
        assert "7 Audit" in screen_text(app)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Show Audit" in titles
        await pilot.press("question_mark")
        help_screen = await until_screen(pilot, HelpScreen)
        assert any(row[0] == "7" and row[1] == "Audit" for row in help_screen.rows), \
            help_screen.rows


def test_audit_pane_after_a_scale_80x24(snap_compare: Any) -> None:
    shutil.rmtree(SNAPSHOT_STATE, ignore_errors=True)

    async def run(pilot: Pilot[int]) -> None:
        await scale_pricing_to_5(pilot)
        await pilot.press("7")
        await wait_for(pilot, "2 record(s), newest first")
        await pilot.pause(0.1)

    assert snap_compare(demo_app(SNAPSHOT_STATE), terminal_size=(80, 24), run_before=run)


async def test_attached_the_pane_shows_the_agents_log(short_dir: Path) -> None:
    from tests.tui.helpers import paging_demo_parts
    from tests.tui.test_agent_acts import attached_console, serve

    socket = short_dir / "agent.sock"
    agent_parts, server, task = await serve(short_dir, socket)
    agent_parts.operations().record("ack", "fix-gateway\x1b[2J", {"rule": "unhealthy"})
    parts = paging_demo_parts(short_dir / "console")
    parts.agent = socket
    app = FintuiApp(parts)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await attached_console(pilot)
            await pilot.press("7")
            await wait_for(pilot, "1 record(s), newest first · the agent's log")
            assert "fix-gateway\\x1b[2J" in screen_text(app)  # shown, not obeyed
    finally:
        task.cancel()
        await server.stop()
    assert not parts.settings.audit.path.exists()  # not the console's own log


async def test_no_agent_or_an_older_one_is_one_line(short_dir: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    gone = await RemoteOperations(short_dir / "none.sock").audit_tail(AUDIT_SHOWN)
    assert gone.entries == () and gone.problem.startswith("cannot reach the agent: ")

    async def answer_as_before(self: AgentClient, method: str, route: str,
                               body: dict[str, Any] | None = None) -> Any:
        assert route.startswith("/v1/audit?") and "records=1" in route
        return {"path": "/var/lib/fintui/audit.jsonl", "lines": ["a line"]}  # no "records"

    monkeypatch.setattr(AgentClient, "_call", answer_as_before)
    older = await RemoteOperations(short_dir / "old.sock").audit_tail(AUDIT_SHOWN)
    assert older.entries == ()
    assert older.problem.startswith("this agent serves no audit records (an older")
