"""Pilot tests on the demo: the Containers pane's everyday acts (r x p K D) go through the
confirmation and progress screens; E says plainly that the demo has no shells; a viewer is
refused on screen and in the audit log; a group header asks for a container."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from fintui.tui.app import FintuiApp
from fintui.tui.screens.actions import ConfirmScreen
from fintui.tui.screens.signal import SignalScreen, signal_of
from tests.tui.helpers import (
    SNAPSHOT_CONFIG,
    make_app,
    screen_text,
    until_action_finished,
    until_loaded,
    until_screen,
    wait_for,
)
from tests.tui.test_action_keys import pane, select  # one row picker for these tests


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The snapshot config with a state folder of this test's own: the demo empties its
    folder at start, and other consoles may start meanwhile."""
    path = tmp_path / "fintui.toml"
    path.write_text(SNAPSHOT_CONFIG.read_text().replace("/tmp/fintui-test-state",
                                                        str(tmp_path / "state")))
    return path


def outcomes(app: FintuiApp) -> list[tuple[str, str]]:
    return [(r["action"], r["outcome"]) for r in app.ops.audit.records()]


async def test_r_shows_the_plan_naming_the_container_and_restarts_it(config: Path) -> None:
    app = make_app(config=config)
    async with app.run_test(size=(140, 40)) as pilot:
        await until_loaded(pilot)
        await select(pilot, "fix-gateway")
        await pilot.press("r")
        await until_screen(pilot, ConfirmScreen)
        assert "fix-gateway" in screen_text(app)
        assert "restart" in screen_text(app).lower()
        await pilot.press("y")
        progress = await until_action_finished(pilot)
        assert progress.outcome == "done"
        await pilot.press("enter")
        assert outcomes(app) == [("restart", "started"), ("restart", "ok")]


async def test_x_on_an_exited_row_starts_it(config: Path) -> None:
    app = make_app(config=config)
    async with app.run_test(size=(140, 40)) as pilot:
        await until_loaded(pilot)
        await select(pilot, "nightly-report")
        await pilot.press("x")
        screen = await until_screen(pilot, ConfirmScreen)
        assert screen.plan.action == "start"
        assert "nightly-report" in screen_text(app)
        await pilot.press("y")
        assert (await until_action_finished(pilot)).outcome == "done"
        await pilot.press("enter")
        assert outcomes(app) == [("start", "started"), ("start", "ok")]


async def test_k_asks_which_signal_then_shows_the_plan(config: Path) -> None:
    app = make_app(config=config)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await until_loaded(pilot)
        await select(pilot, "md-feed-sse")
        await pilot.press("K")
        await until_screen(pilot, SignalScreen)
        assert "Kill md-feed-sse" in screen_text(app)
        assert app.screen.query_one(Input).value == "TERM"
        await pilot.press("down")  # the next of the usual ones
        assert app.screen.query_one(Input).value == "KILL"
        await pilot.press("up", "enter")
        screen = await until_screen(pilot, ConfirmScreen)
        assert screen.plan.action == "kill"
        assert screen.plan.parameters["signal"] == "SIGTERM"
        assert "send SIGTERM to md-feed-sse" in screen_text(app)
        await pilot.press("n")
        await wait_for(pilot, "cancelled: nothing changed")
        assert outcomes(app) == []


async def test_k_escape_cancels_without_a_record(config: Path) -> None:
    app = make_app(config=config)
    async with app.run_test(size=(140, 40)) as pilot:
        await until_loaded(pilot)
        await select(pilot, "md-feed-sse")
        await pilot.press("K")
        await until_screen(pilot, SignalScreen)
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, SignalScreen | ConfirmScreen)
        assert outcomes(app) == []


def test_a_typed_signal_is_a_name_or_a_number() -> None:
    assert signal_of("term") == "SIGTERM"
    assert signal_of("SIGUSR2") == "SIGUSR2"
    assert signal_of(" 9 ") == "SIGKILL"
    assert signal_of("NOSUCH") is None
    assert signal_of("") is None
    assert signal_of("TERM; rm -rf /") is None


async def test_x_on_the_last_running_replica_of_a_service_asks_twice(config: Path) -> None:
    app = make_app(config=config)
    async with app.run_test(size=(140, 40)) as pilot:
        await until_loaded(pilot)
        await select(pilot, "ledger-db")  # backoffice/ledger: its only replica
        await pilot.press("x")
        screen = await until_screen(pilot, ConfirmScreen)
        assert screen.plan.action == "stop" and screen.plan.double_confirm
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)  # still asking
        assert "Press y again" in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert outcomes(app) == []


async def test_d_removes_an_exited_container_keeping_its_volumes(config: Path) -> None:
    app = make_app(config=config)
    async with app.run_test(size=(140, 40)) as pilot:
        await until_loaded(pilot)
        await select(pilot, "nightly-report")
        await pilot.press("D")
        screen = await until_screen(pilot, ConfirmScreen)
        assert screen.plan.action == "remove"
        assert "nightly-report" in screen_text(app) and "keeping its volumes" in screen_text(app)
        await pilot.press("y")
        assert (await until_action_finished(pilot)).outcome == "done"
        await pilot.press("enter")
        assert outcomes(app) == [("remove", "started"), ("remove", "ok")]
        await wait_for(pilot, "10 of 10 containers")  # its row is gone


async def test_e_on_the_demo_says_it_has_no_shells(config: Path) -> None:
    app = make_app(config=config)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await until_loaded(pilot)
        await select(pilot, "fix-gateway")
        await pilot.press("E")
        await wait_for(pilot, "the demo cluster has no shells")
        assert pane(app).selected() is not None  # the same pane, the same row
        assert pane(app).selected().name == "fix-gateway"  # type: ignore[union-attr]


async def test_a_viewer_is_refused_every_act_on_screen_and_on_record(config: Path) -> None:
    app = make_app("--read-only", config=config)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await until_loaded(pilot)
        active = app.screen.active_bindings
        assert not any(active[key].enabled for key in ("r", "x", "p", "K", "D", "E"))
        await select(pilot, "fix-gateway")
        for key, act in (("r", "restart"), ("x", "stop"), ("K", "kill"), ("E", "shell")):
            await pilot.press(key)
            await wait_for(pilot, f"role 'viewer' may not {act}")
            assert not isinstance(app.screen, ConfirmScreen | SignalScreen)
        assert outcomes(app) == [("restart", "refused"), ("stop", "refused"),
                                 ("kill", "refused"), ("shell", "refused")]
        # by the container's name, as the verbs record it, not its id
        assert [r["target"] for r in app.ops.audit.records()] == ["fix-gateway"] * 4


async def test_a_group_header_asks_for_a_container(config: Path) -> None:
    app = make_app(config=config)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await until_loaded(pilot)
        await pilot.press("b")
        await pilot.pause()
        p = pane(app)
        p.table.move_cursor(row=0)  # the first group's header
        await pilot.pause()
        assert p.selected_group() is not None
        await pilot.press("r")
        await wait_for(pilot, "select a container")
        assert not isinstance(app.screen, ConfirmScreen)
        assert outcomes(app) == []


async def test_the_signal_dialog_fits_80x24(config: Path) -> None:
    app = make_app(config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        await select(pilot, "md-feed-sse")
        await pilot.press("K")
        await until_screen(pilot, SignalScreen)
        await wait_for(pilot, "esc Cancel")  # its own footer, last to come
        text = screen_text(app)
        for line in ("Kill md-feed-sse",
                     "Signal to send (TERM, KILL, INT, HUP, USR1, or type one):",
                     "up/down: the usual ones   enter: show the plan   escape: cancel"):
            assert line in text, text


async def test_a_typed_signal_replaces_the_suggestion(config: Path) -> None:
    app = make_app(config=config)
    async with app.run_test(size=(140, 40)) as pilot:
        await until_loaded(pilot)
        await select(pilot, "md-feed-sse")
        await pilot.press("K", "u", "s", "r", "2", "enter")  # typed at once, as over SSH
        screen = await until_screen(pilot, ConfirmScreen)
        assert screen.plan.parameters["signal"] == "SIGUSR2"


async def test_p_pauses_a_running_container_and_unpauses_a_paused_one(config: Path) -> None:
    app = make_app(config=config)
    async with app.run_test(size=(140, 40)) as pilot:
        await until_loaded(pilot)
        for act in ("pause", "unpause"):
            await select(pilot, "md-feed-sse")
            await pilot.press("p")
            screen = await until_screen(pilot, ConfirmScreen)
            assert screen.plan.action == act
            await pilot.press("y")
            assert (await until_action_finished(pilot)).outcome == "done"
            await pilot.press("enter")
            await wait_for(pilot, "paused" if act == "pause" else "running")  # its new state
            state = {c.name: c.state for c in app.state.snapshot.containers}  # type: ignore[union-attr]
            assert state["md-feed-sse"] == ("paused" if act == "pause" else "running")
        assert outcomes(app) == [("pause", "started"), ("pause", "ok"),
                                 ("unpause", "started"), ("unpause", "ok")]


async def test_an_attached_viewer_is_refused_a_shell_by_the_agents_word(short_dir: Path) -> None:
    """The agent's guard decides for an attached console, though the shell would run here:
    an operator by this console's own settings is still refused when the agent says viewer."""
    from tests.tui.helpers import paging_demo_parts
    from tests.tui.test_agent_acts import attached_console, serve

    socket = short_dir / "agent.sock"
    _, server, task = await serve(short_dir, socket, role="viewer")
    parts = paging_demo_parts(short_dir / "console")
    parts.agent = socket
    app = FintuiApp(parts)
    try:
        async with app.run_test(size=(140, 40), notifications=True) as pilot:
            await attached_console(pilot)
            assert not app.screen.active_bindings["E"].enabled
            await select(pilot, "fix-gateway")
            await pilot.press("E")
            await wait_for(pilot, "role 'viewer' may not shell")
    finally:
        task.cancel()
        await server.stop()
    assert app.ops.audit.records() == []  # the console's own log: it opened nothing
