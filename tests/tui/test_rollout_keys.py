"""Pilot tests on the demo: R rolls a service out (choosing among the endpoint's images), its
progress screen may be closed while it goes on (the rows say so), B rolls it back; a
standalone container is no service, and a viewer is refused on record."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from textual.widgets import Input, Static

from fintui.ops.operations import Failed, Outcome, Plan
from fintui.tui.app import FintuiApp
from fintui.tui.panes.containers import GROUP_PREFIX
from fintui.tui.screens.actions import ConfirmScreen
from fintui.tui.screens.details import DetailsScreen
from fintui.tui.screens.rollout import LeaveScreen, ReleaseProgressScreen, RolloutScreen
from tests.tui.helpers import make_app, screen_text, until_loaded, until_screen, wait_for
from tests.tui.test_action_keys import pane, select  # one row picker for these tests

PRICING = ("pricing.1.k3j9x2a1", "pricing.2.p8d0s7q4", "pricing.3.x1m2n3b4")


def toasts(app: FintuiApp) -> str:
    """What the notifications say, their wrapped lines joined again."""
    return " ".join(line.split("▌ ", 1)[1].strip() for line in screen_text(app).splitlines()
                    if "▌ " in line)


async def until_said(pilot: Any, words: str) -> None:
    await until(pilot, lambda: words in toasts(pilot.app), f"saying {words!r}")


def state_cell(app: FintuiApp, name: str) -> str:
    p = pane(app)
    key = next(k for k in p.row_keys() if p.cell_text(k, "name") == name)
    return p.cell_text(key, "state")


def summary(app: FintuiApp) -> str:
    """The line under the table (a toast may cover its end on screen)."""
    return str(pane(app).query_one("#summary", Static).content)


def header_state(app: FintuiApp, group: str) -> str:
    return pane(app).cell_text(GROUP_PREFIX + group, "state")


def hold_releases(app: FintuiApp, monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Releases wait for the returned gate before they change anything (the demo's are
    instant), so a test sees one under way."""
    gate = asyncio.Event()
    ops = app.ops_for("")
    real: Callable[..., Any] = ops.execute

    async def execute(plan: Plan, progress: Callable[[str], None] | None = None) -> Outcome:
        inner = plan.run
        assert inner is not None

        async def run(journal: Any) -> dict[str, Any]:
            await gate.wait()
            return await inner(journal)

        plan.run = run
        outcome: Outcome = await real(plan, progress)
        return outcome

    monkeypatch.setattr(ops, "execute", execute)
    return gate


async def until(pilot: Any, check: Callable[[], bool], what: str, tries: int = 200) -> None:
    for _ in range(tries):
        if check():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"{what} never happened:\n{screen_text(pilot.app)}")


async def roll_out(pilot: Any, row: str = "pricing.2.p8d0s7q4") -> RolloutScreen:
    await select(pilot, row)
    await pilot.press("R")
    dialog: RolloutScreen = await until_screen(pilot, RolloutScreen)
    await pilot.pause(0.1)
    return dialog


async def test_rollout_in_the_background_marks_the_rows_until_it_ends(
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until_loaded(pilot)
        gate = hold_releases(app, monkeypatch)
        await roll_out(pilot)
        text = screen_text(app)
        assert "Roll out pricing (now quant/pricing-engine:2.4.1)" in text
        # The endpoint's images, the service's own repository first, newest first.
        assert text.index("quant/pricing-engine:2.4.1") < text.index(
            "quant/pricing-engine:2.3.9") < text.index("db/ledger-pg:15.4")
        assert "(running now)" in text
        # The older tag is the one offered (the running one is no release).
        assert "image quant/pricing-engine:2.3.9" in text
        await pilot.press("enter")
        await until_screen(pilot, ConfirmScreen)
        assert "quant/pricing-engine:2.3.9" in screen_text(app)
        await pilot.press("y")
        progress: ReleaseProgressScreen = await until_screen(pilot, ReleaseProgressScreen)
        assert not progress.act.finished
        await pilot.press("b")  # keep it running in the background
        await until(pilot, lambda: not isinstance(app.screen, ReleaseProgressScreen),
                    "closing the progress screen")
        await until_said(pilot, "the rollout of pricing goes on in the background")
        # Each row keeps its own state; the release is said under the table.
        for name in PRICING:
            assert state_cell(app, name) == "● running"
        assert summary(app).endswith("·  pricing ↑ to 2.3.9")
        await pilot.press("b")  # grouped: the service's header carries the mark
        await until(pilot, lambda: header_state(app, "pricing") == "↑ to 2.3.9", "the mark")
        await pilot.press("b")
        await until(pilot, lambda: len(pane(app).row_keys()) == 11, "ungrouped again")
        # R on one of its rows opens the same release's progress again, with its lines.
        await select(pilot, "pricing.3.x1m2n3b4")
        await pilot.press("R")
        again: ReleaseProgressScreen = await until_screen(pilot, ReleaseProgressScreen)
        assert again.act is progress.act
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ReleaseProgressScreen),
                    "closing it again")
        gate.set()
        await wait_for(pilot, "rollout of pricing done")
        await until(pilot, lambda: "pricing ↑" not in summary(app), "the mark going")
        assert progress.act.ok and any("3/3" in line for line in progress.act.lines)
        assert [(r["action"], r["outcome"]) for r in app.ops.audit.records()] == [
            ("rollout", "started"), ("rollout", "ok")]


async def test_progress_shows_every_line_and_ends_there_when_left_open() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until_loaded(pilot)
        await roll_out(pilot)
        await pilot.press("enter")
        await until_screen(pilot, ConfirmScreen)
        await pilot.press("y")
        progress: ReleaseProgressScreen = await until_screen(pilot, ReleaseProgressScreen)
        await until(pilot, lambda: progress.finished, "the rollout ending")
        text = screen_text(app)
        assert "3/3 tasks on quant/pricing-engine:2.3.9" in text
        assert "done   (enter / escape to close)" in text
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, ReleaseProgressScreen),
                    "closing the progress screen")
        # B: back to the image before the rollout.
        await select(pilot, "pricing.1.k3j9x2a1")
        await pilot.press("B")
        await until_screen(pilot, ConfirmScreen)
        assert "quant/pricing-engine:2.4.1" in screen_text(app)
        await pilot.press("y")
        back: ReleaseProgressScreen = await until_screen(pilot, ReleaseProgressScreen)
        await until(pilot, lambda: back.finished, "the rollback ending")
        assert back.act.ok, back.act.outcome
        await wait_for(pilot, "rollback of pricing done")
        actions = [(r["action"], r["outcome"]) for r in app.ops.audit.records()]
        assert actions[-2:] == [("rollback", "started"), ("rollback", "ok")]


async def test_a_group_header_rolls_its_service_out() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        await pilot.press("b")  # grouped by service
        await pilot.pause()
        p = pane(app)
        p.table.move_cursor(row=p.row_keys().index(GROUP_PREFIX + "pricing"))
        await pilot.pause()
        await pilot.press("R")
        await until_screen(pilot, RolloutScreen)
        assert "Roll out pricing" in screen_text(app)
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, RolloutScreen), "cancel")
        assert app.ops.audit.records() == []


async def test_a_standalone_container_is_no_service() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until_loaded(pilot)
        await select(pilot, "fix-gateway")
        await pilot.press("R")
        await until_said(pilot, "fix-gateway is a standalone container, not part of a "
                         "service: nothing to roll out")
        await pilot.press("B")
        await until_said(pilot, "nothing to roll back")
        assert not isinstance(app.screen, RolloutScreen | ConfirmScreen)
        assert app.ops.audit.records() == []


async def test_a_viewer_is_refused_on_record() -> None:
    app = make_app("--read-only")
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await until_loaded(pilot)
        active = app.screen.active_bindings
        assert not active["R"].enabled and not active["B"].enabled
        await select(pilot, "pricing.1.k3j9x2a1")
        await pilot.press("R")
        await wait_for(pilot, "role 'viewer' may not rollout")
        await pilot.press("B")
        await wait_for(pilot, "role 'viewer' may not rollback")
        assert not isinstance(app.screen, RolloutScreen | ConfirmScreen)
        assert [(r["action"], r["outcome"]) for r in app.ops.audit.records()] == [
            ("rollout", "refused"), ("rollback", "refused")]


async def test_details_say_what_runs_its_digest_and_when_it_was_deployed() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await until_loaded(pilot)
        await select(pilot, "pricing.1.k3j9x2a1")
        await pilot.press("enter")
        await until_screen(pilot, DetailsScreen)
        await wait_for(pilot, "deployed: ")
        text = screen_text(app)
        assert "image: quant/pricing-engine:2.4.1" in text
        assert "digest: sha256:" in text
        assert "(task created)" in text  # a Swarm task: when that task was deployed
        await pilot.press("escape")
        await select(pilot, "ledger-db")
        await pilot.press("enter")
        await until_screen(pilot, DetailsScreen)
        await wait_for(pilot, "(container created)")  # compose: the container's creation


async def test_a_failing_canary_ends_in_a_notice_of_the_rollback() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until_loaded(pilot)
        dialog = await roll_out(pilot)
        # The demo's broken release: a tag ending in `bad` exits 1.
        dialog.query_one("#image", Input).value = "quant/pricing-engine:2.5.0-bad"
        dialog.query_one("#canary", Input).value = "1"
        await pilot.press("enter")
        await until_screen(pilot, ConfirmScreen)
        assert "1 canary" in screen_text(app)
        await pilot.press("y")
        progress: ReleaseProgressScreen = await until_screen(pilot, ReleaseProgressScreen)
        await pilot.press("b")
        await until(pilot, lambda: progress.act.finished, "the rollout ending", tries=1500)
        assert not progress.act.ok
        await until_said(pilot, "pricing rolled back: canary task pricing.1 exited with code 1")
        assert all(state_cell(app, n).startswith("●") for n in PRICING)
        assert [(r["action"], r["outcome"]) for r in app.ops.audit.records()] == [
            ("rollout", "started"), ("rollout", "failed")]


def fail_releases(app: FintuiApp, monkeypatch: pytest.MonkeyPatch, message: str) -> None:
    """Every release fails at once (as when its image was removed after the plan)."""
    async def execute(plan: Plan, progress: Callable[[str], None] | None = None) -> Outcome:
        raise Failed(message)

    monkeypatch.setattr(app.ops_for(""), "execute", execute)


def footer_keys(app: FintuiApp) -> dict[str, str]:
    return {key: active.binding.description
            for key, active in app.screen.active_bindings.items() if active.binding.show}


async def test_a_release_that_fails_at_once_shows_its_failure_and_only_close(
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        fail_releases(app, monkeypatch, "a new replica could not be made: No such image: "
                      "quant/pricing-engine:2.3.9; nothing was changed")
        await roll_out(pilot)
        await pilot.press("enter")
        await until_screen(pilot, ConfirmScreen)
        await pilot.press("y")
        progress: ReleaseProgressScreen = await until_screen(pilot, ReleaseProgressScreen)
        await until(pilot, lambda: "(enter / escape to" in screen_text(app),
                    "the failure shown")
        text = screen_text(app)
        assert "failed: a new replica could not be made: No such image" in text
        assert "working…" not in text
        keys = footer_keys(app)
        assert keys["escape"] == "Close" and "b" not in keys
        await pilot.press("b")  # no longer "keep it in the background": nothing happens
        await pilot.pause()
        assert app.screen is progress
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ReleaseProgressScreen), "closing")


async def test_a_long_failure_keeps_the_close_keys_in_view_at_80x24(
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        why = "; ".join(f"changed before it stopped: created pricing.{n}" for n in range(12))
        fail_releases(app, monkeypatch, f"canary task pricing.1 exited with code 1; {why}")
        await roll_out(pilot)
        await pilot.press("enter")
        await until_screen(pilot, ConfirmScreen)
        await pilot.press("y")
        await until_screen(pilot, ReleaseProgressScreen)
        await until(pilot, lambda: "(enter / escape to close)" in screen_text(app),
                    "the close keys in view:")
        assert "(in full above)" in screen_text(app)
        assert "Close" in footer_keys(app).values()


async def test_a_long_plan_scrolls_with_its_keys_in_view_at_80x24() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        steps = [f"replace replica {n} of ferb2/api, new before old, then wait for it to be "
                 "up and healthy" for n in range(10)]
        plan = Plan("rollout", "ferb2/api", "roll out ferb2/api: 4 replica(s)", steps, {},
                    warnings=["freeze 'fe-rb-window' (00:00-23:59 UTC) overridden: INC-2"])
        app.push_screen(ConfirmScreen(plan))
        await until_screen(pilot, ConfirmScreen)
        await pilot.pause(0.1)
        text = screen_text(app)
        assert "y: go ahead   n / escape: cancel" in text
        assert "overridden: INC-2" not in text  # below the fold, until scrolled to
        assert footer_keys(app)["pagedown"] == "Scroll"  # the footer says there is more
        await pilot.press("pagedown", "pagedown", "pagedown")
        await pilot.pause(0.1)
        text = screen_text(app)
        assert "! freeze 'fe-rb-window' (00:00-23:59 UTC) overridden: INC-2" in text
        assert "y: go ahead   n / escape: cancel" in text
        await pilot.press("pageup", "pageup", "pageup")
        await pilot.pause(0.1)
        assert "roll out ferb2/api: 4 replica(s)" in screen_text(app)
        await pilot.press("n")
        await until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), "cancelled")


async def test_q_during_a_release_asks_first_and_names_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        gate = hold_releases(app, monkeypatch)
        await roll_out(pilot)
        await pilot.press("enter")
        await until_screen(pilot, ConfirmScreen)
        await pilot.press("y")
        progress: ReleaseProgressScreen = await until_screen(pilot, ReleaseProgressScreen)
        await pilot.press("b")
        await until(pilot, lambda: not isinstance(app.screen, ReleaseProgressScreen), "closed")
        await pilot.press("q")
        await until_screen(pilot, LeaveScreen)
        text = screen_text(app)
        assert "A release is still running: quit?" in text
        assert "rollout of pricing to quant/pricing-engine:2.3.9" in text
        assert "Quitting stops following it: Swarm goes on with the rollout of pricing" in text
        assert "y / q: quit anyway   n / escape: stay" in text
        await pilot.press("n")  # stay: the release goes on
        await until(pilot, lambda: not isinstance(app.screen, LeaveScreen), "staying")
        assert app.is_running and not progress.act.finished
        gate.set()
        await until(pilot, lambda: progress.act.finished, "the rollout ending")
        await pilot.press("q")  # nothing runs: quits at once
        await until(pilot, lambda: not app.is_running, "quitting")


async def test_quitting_anyway_stops_following_the_release_on_record(
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        hold_releases(app, monkeypatch)
        await roll_out(pilot)
        await pilot.press("enter")
        await until_screen(pilot, ConfirmScreen)
        await pilot.press("y")
        progress: ReleaseProgressScreen = await until_screen(pilot, ReleaseProgressScreen)
        await pilot.press("b")
        await until(pilot, lambda: not isinstance(app.screen, ReleaseProgressScreen), "closed")
        await pilot.press("q")
        await until_screen(pilot, LeaveScreen)
        await pilot.press("y")
        await until(pilot, lambda: not app.is_running, "quitting")
    assert progress.act.finished and not progress.act.ok
    records = app.ops.audit.records()
    assert [(r["action"], r["outcome"]) for r in records] == [
        ("rollout", "started"), ("rollout", "failed")]
    assert records[-1]["error"].startswith("interrupted")


@pytest.mark.parametrize(("field", "value", "said"), [
    ("canary", "5", "canary: fewer than the 3 replica(s) of pricing (0: no canary)"),
    ("parallelism", "0", "parallelism: replicas at a time: a whole number, 1 or more"),
    ("image", "[bold]x", "image: '[bold]x' is not an image reference"),
])
async def test_a_bad_field_keeps_the_dialog_open_and_says_why(field: str, value: str,
                                                               said: str) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        dialog = await roll_out(pilot)
        dialog.query_one("#canary", Input).value = "1"
        dialog.query_one(f"#{field}", Input).value = value
        await pilot.press("enter")
        await until(pilot, lambda: said in screen_text(app), f"saying {said!r}")
        assert app.screen is dialog  # still open, the other choices kept
        assert dialog.query_one("#image", Input).value == (
            value if field == "image" else "quant/pricing-engine:2.3.9")
        assert app.focused is dialog.query_one(f"#{field}", Input)
        assert app.ops.audit.records() == []  # nothing refused on record: nothing was asked
        dialog.query_one(f"#{field}", Input).value = "quant/pricing-engine:2.3.9" \
            if field == "image" else "1"
        await pilot.press("enter")
        await until_screen(pilot, ConfirmScreen)


async def test_quitting_during_a_compose_canary_removes_the_new_replica() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        dialog = await roll_out(pilot, "agents-llm-infer-1")
        dialog.query_one("#image", Input).value = "ml/infer-agent:0.6.0"
        dialog.query_one("#canary", Input).value = "1"
        await pilot.press("enter")
        await until_screen(pilot, ConfirmScreen)
        await pilot.press("y")
        progress: ReleaseProgressScreen = await until_screen(pilot, ReleaseProgressScreen)
        await until(pilot, lambda: any(line.startswith("watching 1 canary")
                                       for line in progress.act.lines),
                    "the canary watched", tries=1000)
        await pilot.press("b")
        await until(pilot, lambda: not isinstance(app.screen, ReleaseProgressScreen), "closed")
        await pilot.press("q")
        await until_screen(pilot, LeaveScreen)
        await pilot.press("y")
        await until(pilot, lambda: not app.is_running, "quitting", tries=1000)
    record = app.ops.audit.records()[-1]
    assert (record["action"], record["outcome"]) == ("rollout", "failed")
    assert record["error"].startswith("interrupted")
    assert "removed new replica agents-llm-infer-3" in record["result"]["done"]


async def test_a_canary_typed_in_one_burst_with_enter_is_the_plans() -> None:
    """`down tab tab backspace 1 enter` in one read (a paste, a slow link): enter reads the
    canary typed just before it, not the field as it was."""
    from tests.tui.test_fast_keys_and_groups import type_at_once

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        await select(pilot, "pricing.1.k3j9x2a1")
        await pilot.press("R")
        await until_screen(pilot, RolloutScreen)
        await pilot.pause(0.3)
        type_at_once(app, "down", "tab", "tab", "backspace", "1", "enter")
        confirm = await until_screen(pilot, ConfirmScreen)
        assert confirm.plan.parameters["canary"] == 1
