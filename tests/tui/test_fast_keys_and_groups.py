"""Keys typed faster than the console draws (over SSH they arrive in one read), and the group
headers of the Containers pane: folding, and what s, i and l do on a header."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, TabbedContent

from fintui.tui.app import FintuiApp
from fintui.tui.panes.containers import GROUP_PREFIX, ContainersPane
from fintui.tui.screens.actions import ConfirmScreen, ScaleScreen
from fintui.tui.screens.details import DetailsScreen
from fintui.tui.screens.logs import LogScreen
from fintui.tui.screens.silence import SilenceScreen
from tests.tui.helpers import make_app, screen_text, until_loaded, until_screen, wait_for

SPECIAL = {"backspace": "\x7f", "enter": "\r", "escape": "\x1b", "space": " ", "slash": "/",
           "tab": "\t", "minus": "-"}


def type_at_once(app: FintuiApp, *keys: str) -> None:
    """Queue every key before the app handles the first, as one read from a terminal would."""
    for key in keys:
        app.post_message(events.Key(key, SPECIAL.get(key, key)))


def pane(app: FintuiApp) -> ContainersPane:
    return app.query_one(ContainersPane)


async def select(pilot: Pilot[int], key: str) -> None:
    p = pane(pilot.app)  # type: ignore[arg-type]
    p.table.move_cursor(p.row_keys().index(key))
    await pilot.pause()


def key_of(app: FintuiApp, name: str) -> str:
    p = pane(app)
    return next(k for k in p.row_keys() if p.cell_text(k, "name") == name)


async def test_s4_typed_at_once_scales_to_4_and_leaves_the_pane_alone() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        await select(pilot, key_of(app, "pricing.1.k3j9x2a1"))
        type_at_once(app, "s", "4", "enter")
        await until_screen(pilot, ConfirmScreen)
        await wait_for(pilot, "scale Swarm service pricing from 3 to 4")
        assert app.query_one(TabbedContent).active == "containers"  # "4" did not switch panes


async def test_backspace_and_the_next_digit_arriving_together_both_count() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        await select(pilot, key_of(app, "pricing.2.p8d0s7q4"))
        await pilot.press("s")
        await until_screen(pilot, ScaleScreen)
        field = app.screen.query_one(Input)
        field.cursor_position = len(field.value)  # past the "3", nothing selected
        type_at_once(app, "backspace", "5", "2", "backspace", "enter")
        await until_screen(pilot, ConfirmScreen)
        await wait_for(pilot, "from 3 to 5")


async def test_filter_keeps_every_key_typed_at_once() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        type_at_once(app, "slash", *"pricx", "backspace", *"ing", "enter")
        await wait_for(pilot, "filter: pricing")
        assert pane(app).filter_text == "pricing"
        assert len(pane(app).row_keys()) == 3


async def test_a_y_typed_before_the_plan_shows_does_not_confirm_it() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        await select(pilot, key_of(app, "fix-gateway"))
        type_at_once(app, "i", "y")
        await until_screen(pilot, ConfirmScreen)
        await pilot.pause(0.3)
        assert isinstance(app.screen, ConfirmScreen)  # still asking: the plan was not read yet
        assert app.ops.audit.records() == []


async def test_enter_and_space_fold_a_group_and_open_it_again() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        await pilot.press("b")
        header = GROUP_PREFIX + "pricing"
        await select(pilot, header)
        await pilot.press("enter")
        p = pane(app)
        assert p.cell_text(header, "name") == "▸ pricing"
        assert not any(p.cell_text(k, "name").startswith("pricing.") for k in p.row_keys())
        assert p.cell_text(header, "state") == "3/3 running"  # folded, still counted
        assert not isinstance(app.screen, DetailsScreen)
        await pilot.press("enter")
        assert p.cell_text(header, "name") == "▾ pricing"
        # From a member's row, space folds its group and the cursor lands on the header.
        await select(pilot, key_of(app, "pricing.2.p8d0s7q4"))
        await pilot.press("space")
        assert p.selected_key() == header and p.cell_text(header, "name") == "▸ pricing"
        assert "▸ pricing" in screen_text(app)


async def test_s_on_a_group_header_scales_its_service() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        await pilot.press("b")
        await select(pilot, GROUP_PREFIX + "pricing")
        await pilot.press("s")
        scale = await until_screen(pilot, ScaleScreen)
        assert scale.target == "pricing" and scale.current == 3


async def test_i_and_l_on_a_group_header_say_to_select_a_container() -> None:
    app = make_app()
    said: list[str] = []
    notify = app.notify

    def heard(message: str, **options: Any) -> None:
        said.append(message)
        notify(message, **options)

    app.notify = heard  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until_loaded(pilot)
        await pilot.press("b")
        await select(pilot, GROUP_PREFIX + "pricing")
        await pilot.press("i")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("l")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, LogScreen)
        assert any("Isolate works on one container" in m and "pricing" in m for m in said)
        assert any("Logs are one container's" in m for m in said)


async def test_keys_typed_after_enter_in_the_filter_go_to_the_rows() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        type_at_once(app, "slash", *"fix", "enter", "l")
        await until_screen(pilot, LogScreen)
        assert pane(app).filter_text == "fix"  # the l opened the logs, it was not typed
        assert app.screen.container.name == "fix-gateway"


async def test_keys_typed_after_tab_in_a_form_go_to_the_next_field() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        await pilot.press("4")
        await pilot.pause(0.2)
        await pilot.press("S")
        form = await until_screen(pilot, SilenceScreen)
        await pilot.pause(0.2)
        first = app.focused
        assert isinstance(first, Input)
        type_at_once(app, "tab", "x")
        await pilot.pause(0.5)
        second = app.focused
        assert second is not first and isinstance(second, Input)  # tab moved on (wrapping)
        assert second.value.endswith("x") and not first.value.endswith("x")
        assert form.focus_chain.index(second) == (form.focus_chain.index(first) + 1) % 4


async def test_p_in_grouped_rows_puts_the_cursor_on_the_biggest_user_of_all() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        await pilot.press("b", "P")
        p = pane(app)
        snap = app.state.snapshot
        assert snap is not None
        busiest = max((c for c in snap.containers if c.stats),
                       key=lambda c: c.stats.cpu_percent or 0.0 if c.stats else 0.0)
        assert busiest.name == "risk-var-batch-1"  # in the last group, not the first
        assert p.selected_key() == busiest.id


async def test_a_negative_count_keeps_the_scale_dialog_open_and_audits_nothing() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        await select(pilot, key_of(app, "pricing.1.k3j9x2a1"))
        type_at_once(app, "s", "minus", "2", "enter")
        scale = await until_screen(pilot, ScaleScreen)
        await pilot.pause(0.3)
        assert app.screen is scale and scale.query_one(Input).value == "-2"
        assert app.ops.audit.records() == []
