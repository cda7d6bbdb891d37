"""The Policies pane (8): the policies and their states, the requests waiting for approval,
and `a` / `r` deciding the selected one through the same road as every act (shown, asked,
run with progress, audited); a viewer is told why not; untrusted text stays text."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from fintui.tui.app import FintuiApp
from fintui.tui.screens.actions import ConfirmScreen
from fintui.tui.screens.approval import ApprovalProgressScreen, RejectScreen
from fintui.watch.policy_acts import policy_operations
from tests.tui.helpers import (
    make_app,
    screen_text,
    until_action_finished,
    until_loaded,
    until_screen,
    wait_for,
)

POLICIES = Path(__file__).resolve().parent.parent / "sample-configs" / "policies.toml"
TAB_ROW = ("1 Containers 2 GPUs 3 Volumes 4 Alerts 5 Forecasts 6 Nodes 7 Audit "
           "8 Policies")


def config(tmp: Path, extra: str = "") -> Path:
    """The policies config with its state in `tmp` (requests filed here stay here), its
    demo clock moving a second a sweep (not an hour: a request would expire at once)."""
    path = tmp / "fintui.toml"
    path.write_text(POLICIES.read_text().replace("/tmp/fintui-test-state", str(tmp / "s"))
                    .replace("refresh_interval = 3600.0", "refresh_interval = 1.0") + extra)
    return path


async def propose(app: FintuiApp, replicas: int, why: str) -> int:
    """A request as the autoscale policy files it in mode "propose"."""
    ops = policy_operations(app.parts, "pricing-burst")
    plan = await ops.plan_scale("pricing", replicas)
    return ops.propose(plan, why)


async def show_pane(pilot: Pilot[Any]) -> None:
    await pilot.press("8")
    await pilot.pause(0.3)


async def test_no_policies_says_so_and_how_to_add_one_and_the_tabs_fit_80() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        await show_pane(pilot)
        text = screen_text(app)
        assert TAB_ROW in text  # every tab whole in 80 columns
        flat = " ".join(text.split())
        for words in ("No policies configured", "[[policies.schedule]]",
                      "[[policies.autoscale]]", 'action = "isolate"',
                      "no request waiting for approval"):
            assert words in flat


async def test_configured_policies_show_their_kind_service_and_state(tmp_path: Path) -> None:
    app = make_app(config=config(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        await show_pane(pilot)
        lines = screen_text(app).splitlines()
        assert any(TAB_ROW in line for line in lines)
        # At 80 columns a row keeps what it acts on, its state and what it does next.
        for name, service, upcoming in (("open", "pricing", "Tue 09:00 Asia/Shanghai → 6"),
                                        ("pricing-burst", "pricing", "scales out to 4"),
                                        ("gateway-unhealthy", "container fi",
                                         "isolates the next fault")):
            row = next(line for line in lines if line.startswith(f" {name} "))
            assert service in row and "armed" in row and upcoming in row, row
        assert "3 policies" in screen_text(app)
        await pilot.resize_terminal(120, 30)
        await pilot.pause(0.3)
        lines = screen_text(app).splitlines()
        for name, kind in (("open", "schedule"), ("pricing-burst", "autoscale"),
                           ("gateway-unhealthy", "isolate")):
            row = next(line for line in lines if line.startswith(f" {name} "))
            assert kind in row, row


async def test_a_request_is_approved_after_its_plan_is_shown_and_runs(tmp_path: Path) -> None:
    app = make_app(config=config(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        request = await propose(app, 4, "cpu over 70 for 3 readings")
        await show_pane(pilot)
        await wait_for(pilot, "1 request(s) waiting for approval")
        assert "policy:pricing-burst" in screen_text(app)
        await pilot.press("a")
        confirm = await until_screen(pilot, ConfirmScreen)
        assert confirm.plan.summary.startswith(f"Approve request {request}: ")
        shown = screen_text(app)
        assert f"Approve request {request}" in shown and "policy:pricing-burst" in shown
        await pilot.press("y")
        screen = await until_action_finished(pilot)
        assert isinstance(screen, ApprovalProgressScreen)
        assert screen.outcome == "done", screen.lines
        assert any("scale" in line and "4" in line for line in screen.lines), screen.lines
        await pilot.press("escape")
        await wait_for(pilot, "no request waiting for approval")
        assert any(r.id == request and r.state == "done" for r in app.ops.approval_rows())
        assert " done " in screen_text(app)


async def test_a_request_is_rejected_with_a_comment(tmp_path: Path) -> None:
    app = make_app(config=config(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        request = await propose(app, 5, "cpu over 70")
        await show_pane(pilot)
        await wait_for(pilot, "1 request(s) waiting")
        await pilot.press("r")
        await until_screen(pilot, RejectScreen)
        await pilot.press(*"not now", "enter")
        await wait_for(pilot, "no request waiting for approval")
        row = next(r for r in app.ops.approval_rows() if r.id == request)
        assert row.state == "rejected"
        assert "rejected" in screen_text(app)


async def test_a_viewer_is_told_why_it_may_not_decide(tmp_path: Path) -> None:
    # This account a viewer; the policy that files the request may act.
    app = make_app(config=config(tmp_path, '\n[guard]\ndefault_role = "viewer"\n'
                                           'roles = { "policy:pricing-burst" = "operator" }\n'))
    notes: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        real = app.notify

        def notify(message: str, **kwargs: Any) -> None:
            notes.append(str(message))
            real(message, **kwargs)

        app.notify = notify  # type: ignore[method-assign]
        await until_loaded(pilot)
        await propose(app, 4, "cpu over 70")
        await show_pane(pilot)
        await wait_for(pilot, "a viewer: you may look, not decide")
        await pilot.press("a")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("approve refused: this account is a viewer" in n for n in notes), notes
        await pilot.press("r")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, RejectScreen)
        assert all(r.state == "pending" for r in app.ops.approval_rows())


async def test_untrusted_text_in_a_request_stays_text(tmp_path: Path) -> None:
    app = make_app(config=config(tmp_path))
    async with app.run_test(size=(200, 30)) as pilot:
        await until_loaded(pilot)
        await propose(app, 4, "[bold]load[/bold] \x1b[31mhot")
        await show_pane(pilot)
        await wait_for(pilot, "[bold]load[/bold]")
        assert "\x1b" not in screen_text(app)


async def test_the_pane_fits_160x48(tmp_path: Path) -> None:
    app = make_app(config=config(tmp_path))
    async with app.run_test(size=(160, 48)) as pilot:
        await until_loaded(pilot)
        await propose(app, 4, "cpu over 70 for 3 readings")
        await show_pane(pilot)
        await wait_for(pilot, "1 request(s) waiting for approval")
        text = screen_text(app)
        for title in ("Policy", "Kind", "Service", "State", "Next", "Requested by",
                      "Expires"):
            assert title in text


async def test_an_attached_console_shows_the_agents_requests_and_approves_through_it(
        short_dir: Path) -> None:
    from fintui.agent.acts import ActDesk
    from fintui.agent.attached import AttachedWatch
    from fintui.agent.server import AgentServer
    from fintui.agent.service import WatchBackend
    from fintui.cli import build_parser
    from fintui.config import load_settings
    from fintui.watch.watch import Watch
    from fintui.wiring import build_parts

    def parts_in(tmp: Path) -> Any:
        tmp.mkdir()
        args = build_parser().parse_args(["--demo", "--as", "ops", "--config",
                                          str(config(tmp))])
        return build_parts(args, load_settings(args.config))

    socket = short_dir / "agent.sock"
    agent_parts = parts_in(short_dir / "agent")
    watch = Watch(agent_parts, agent_parts.operations())
    server = AgentServer(WatchBackend(watch, socket), socket, keepalive=0.5,
                         desk=ActDesk(watch))
    await server.start()
    task = asyncio.create_task(watch.run())
    parts = parts_in(short_dir / "console")
    parts.agent = socket
    app = FintuiApp(parts)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            for _ in range(200):
                if isinstance(app.watcher, AttachedWatch) and app.agent_role is not None:
                    break
                await pilot.pause(0.05)
            ops = policy_operations(agent_parts, "pricing-burst")
            request = ops.propose(await ops.plan_scale("pricing", 4), "cpu over 70")
            await show_pane(pilot)
            await wait_for(pilot, "run by the agent")
            await wait_for(pilot, "1 request(s) waiting for approval")
            await pilot.press("a")
            confirm = await until_screen(pilot, ConfirmScreen)
            assert confirm.plan.summary.startswith(f"Approve request {request}: ")
            await pilot.press("y")
            screen = await until_action_finished(pilot)
            assert screen.outcome == "done", screen.lines
            await pilot.press("escape")
            await wait_for(pilot, "no request waiting for approval")
            # The agent goes: nothing runs the policies, which stay listed.
            task.cancel()
            await server.stop()
            await wait_for(pilot, "nothing runs the policies now", 20)
            flat = " ".join(screen_text(app).split())
            assert "pricing-burst" in flat and "run elsewhere" not in flat
            assert "No policies configured" not in flat
    finally:
        task.cancel()
        await server.stop()
    assert any(r.id == request and r.state == "done"
               for r in agent_parts.operations().approval_rows())


async def test_new_requests_move_a_cursor_left_on_a_decided_one_and_r_rejects_it(
        tmp_path: Path) -> None:
    app = make_app(config=config(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        old = await propose(app, 4, "cpu over 70")
        app.ops.reject(old, "not now")  # decided: the only row, the cursor on it
        await show_pane(pilot)
        await wait_for(pilot, "no request waiting for approval")
        assert "Tab moves between the tables" in " ".join(screen_text(app).split())
        new = await propose(app, 5, "cpu over 70 again")
        await wait_for(pilot, "1 request(s) waiting for approval")
        # Which one `r` decides is said, and it is the waiting one (listed first).
        await wait_for(pilot, f"selected: #{new} pending")
        app.query_one("#policies-table").focus()  # from the other table too
        await pilot.press("r")
        screen = await until_screen(pilot, RejectScreen)
        assert screen.row.id == new


async def test_the_selected_requests_expiry_and_decision_are_shown_whole_at_80(
        tmp_path: Path) -> None:
    app = make_app(config=config(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        await propose(app, 4, "isolation this hour already: a second fault is proposed, "
                              "not acted on, until an operator approves it")
        await show_pane(pilot)
        await wait_for(pilot, "1 request(s) waiting for approval")
        flat = " ".join(screen_text(app).split())
        assert "until an operator approves it" in flat and " UTC (in " in flat
        assert "Expires" in screen_text(app)  # the column stays at 80
        assert "…" not in "".join(line for line in screen_text(app).splitlines()
                                  if "selected:" in line)


async def test_a_second_no_agent_console_says_another_process_runs_them(
        tmp_path: Path) -> None:
    import os

    from fintui.watch.policy_lock import PolicyLock

    app = make_app(config=config(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        # The first --no-agent console takes the lock while this one has let it go (the
        # demo makes its state folder afresh at start: the lock is taken after that).
        app.watcher.policies.lock.release()  # type: ignore[union-attr]
        first = PolicyLock(app.parts.settings.paths.state_dir / "policies.lock")
        assert first.take()
        try:
            await show_pane(pilot)
            await wait_for(pilot, "run elsewhere")
            flat = " ".join(screen_text(app).split())
            assert "· run by this console" not in flat
            assert f"not run by this console: process {os.getpid()} runs them" in flat
        finally:
            first.release()


async def test_a_read_only_console_does_not_say_it_runs_them(tmp_path: Path) -> None:
    app = make_app("--read-only", config=config(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        await show_pane(pilot)
        await wait_for(pilot, "refused")
        flat = " ".join(screen_text(app).split())
        assert "· run by this console" not in flat
        assert "not run by this console: it is --read-only" in flat


async def test_a_console_whose_agent_went_says_nothing_runs_them(tmp_path: Path) -> None:
    # The console's own watch after the agent went: it does not page, and no process holds
    # the runner's lock.
    from fintui.watch.watch import Watch

    app = make_app(config=config(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        app.watcher.policies.lock.release()  # type: ignore[union-attr]
        app.watcher.deliver = False  # type: ignore[union-attr]
        assert isinstance(app.watcher, Watch)
        await show_pane(pilot)
        await wait_for(pilot, "nothing runs the policies now")
        flat = " ".join(screen_text(app).split())
        assert "run elsewhere" not in flat and "pricing-burst" in flat


async def test_the_approve_dialog_shows_the_act_asked_for_and_planned_now_and_the_expiry_time(
        tmp_path: Path) -> None:
    app = make_app(config=config(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        request = await propose(app, 4, "cpu over 70")
        asked = next(r for r in app.ops.approval_rows() if r.id == request)
        await show_pane(pilot)
        await wait_for(pilot, "1 request(s) waiting for approval")
        await pilot.press("a")
        confirm = await until_screen(pilot, ConfirmScreen)
        said = " ".join(confirm.plan.warnings)
        assert f"asked for: {asked.summary}" in said
        assert "the act as planned now: scale" in said
        # The dialog is not redrawn while it waits: a clock time, not "in 1m 01s".
        assert " UTC" in said and "expires in" not in said
        await pilot.press("n")
