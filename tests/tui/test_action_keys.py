"""Pilot tests: s, i and u through their confirmation and progress screens, and the guard's
word on screen for viewers and freezes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input

from fintui.tui.app import FintuiApp
from fintui.tui.panes.containers import ContainersPane
from fintui.tui.screens.actions import ConfirmScreen, ScaleScreen
from tests.tui.helpers import (
    make_app,
    screen_text,
    until_action_finished,
    until_loaded,
    wait_for,
)


def pane(app: FintuiApp) -> ContainersPane:
    return app.query_one(ContainersPane)


async def select(pilot: Any, name: str) -> None:
    p = pane(pilot.app)
    index = [p.cell_text(k, "name") for k in p.row_keys()].index(name)
    p.table.move_cursor(row=index)
    await pilot.pause()


async def test_scale_asks_how_many_shows_the_plan_and_runs() -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await until_loaded(pilot)
        await select(pilot, "pricing.2.p8d0s7q4")
        await pilot.press("s")
        await pilot.pause(0.1)
        assert isinstance(app.screen, ScaleScreen)
        assert app.screen.query_one(Input).value == "3"
        await pilot.press("backspace", "5", "enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, ConfirmScreen)
        assert "scale Swarm service pricing from 3 to 5" in screen_text(app)
        await pilot.press("y")
        await pilot.pause(0.1)
        await until_action_finished(pilot)
        assert app.screen.outcome == "done"
        assert "pricing: 5/5 tasks running" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, "13 of 13 containers")  # the pane refreshed by itself
        records = app.ops.audit.records()
        assert [r["outcome"] for r in records] == ["started", "ok"]


async def test_scale_to_zero_asks_twice_and_n_cancels() -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await until_loaded(pilot)
        await select(pilot, "pricing.1.k3j9x2a1")
        await pilot.press("s", "backspace", "0", "enter")
        await pilot.pause(0.1)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)  # still asking
        assert "Press y again" in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert app.ops.audit.records() == []  # nothing was attempted
        assert len(pane(app).row_keys()) == 11


async def test_isolate_then_release_from_the_keyboard() -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await until_loaded(pilot)
        await select(pilot, "fix-gateway")
        await pilot.press("i")
        await pilot.pause(0.1)
        assert isinstance(app.screen, ConfirmScreen)
        assert "capture forensics" in screen_text(app)
        await pilot.press("y")
        await pilot.pause(0.1)
        await until_action_finished(pilot)
        assert "forensics bundle:" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, "⊘ ISOLATED")
        await select(pilot, "fix-gateway")
        await pilot.press("u")
        await pilot.pause(0.1)
        assert "reconnect network desk-net" in screen_text(app)
        await pilot.press("y")
        await pilot.pause(0.1)
        await until_action_finished(pilot)
        await pilot.press("enter")
        await pilot.pause(0.3)
        for _ in range(100):
            if "⊘ ISOLATED" not in screen_text(app):
                break
            await pilot.pause(0.05)
        assert "⊘ ISOLATED" not in screen_text(app)
        assert [r["action"] for r in app.ops.audit.records()] == ["isolate"] * 2 + ["release"] * 2


async def test_viewer_sees_action_keys_disabled_and_is_refused_on_record() -> None:
    app = make_app("--read-only")
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await until_loaded(pilot)
        assert "READ-ONLY" in screen_text(app)
        active = app.screen.active_bindings
        assert not active["s"].enabled and not active["i"].enabled and not active["u"].enabled
        await select(pilot, "fix-gateway")
        await pilot.press("i")
        await wait_for(pilot, "role 'viewer' may not isolate")
        await select(pilot, "pricing.1.k3j9x2a1")
        await pilot.press("s")
        await wait_for(pilot, "role 'viewer' may not scale")
        assert not isinstance(app.screen, ConfirmScreen | ScaleScreen)
        assert [(r["action"], r["outcome"]) for r in app.ops.audit.records()] == [
            ("isolate", "refused"), ("scale", "refused")]


async def test_freeze_window_refusal_shows_on_screen_and_is_audited(tmp_path: Path) -> None:
    config = tmp_path / "freeze.toml"
    config.write_text('[ui]\nrefresh_interval = 3600.0\n\n[[guard.freeze]]\nname = "market-open"'
                      '\ndays = ["mon"]\nstart = "09:15"\nend = "09:45"\n'
                      'timezone = "Asia/Shanghai"\nactions = ["isolate", "scale"]\n')
    app = make_app(config=config)  # the demo clock reads Monday 09:30 in Shanghai
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await until_loaded(pilot)
        await select(pilot, "fix-gateway")
        await pilot.press("i")
        await wait_for(pilot, "change freeze 'market-open'")
        assert not isinstance(app.screen, ConfirmScreen)
        await select(pilot, "pricing.1.k3j9x2a1")
        await pilot.press("s")  # the guard speaks before asking how many
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ConfirmScreen | ScaleScreen)
        assert [(r["action"], r["outcome"]) for r in app.ops.audit.records()] == [
            ("isolate", "refused"), ("scale", "refused")]


def _inside(app: FintuiApp, widget: Any) -> str:
    """The text a widget shows on screen, its lines joined, spaces taken out."""
    region = widget.content_region
    rows = screen_text(app).split("\n")[region.y:region.bottom]
    return "".join(row[region.x:region.right].replace(" ", "") for row in rows)


async def test_progress_wraps_long_lines_at_80_columns(tmp_path: Path) -> None:
    state = tmp_path / "a-state-folder-with-a-rather-long-name-to-push-the-bundle-path-far"
    config = tmp_path / "long.toml"
    config.write_text(f'[ui]\nrefresh_interval = 3600.0\n\n[paths]\nstate_dir = "{state}"\n')
    app = make_app(config=config)
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        await select(pilot, "fix-gateway")
        await pilot.press("i")
        await pilot.pause(0.1)
        await pilot.press("y")
        screen = await until_action_finished(pilot)
        await pilot.pause(0.1)
        bundle = app.ops.audit.records()[-1]["result"]["bundle"]
        assert len(f"forensics bundle: {bundle}") > 80
        shown = _inside(app, screen.query_one("#steps"))
        assert f"forensicsbundle:{bundle}" in shown, screen_text(app)
