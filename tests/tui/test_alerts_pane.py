"""The Alerts pane on the demo cluster: its crash-looping and unhealthy containers fire; ack
and silence from the keyboard, and silences survive a restart."""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from textual.pilot import Pilot
from textual.widgets import Input

from fintui.tui.app import FintuiApp
from fintui.tui.panes.alerts import AlertsPane
from fintui.tui.screens.actions import ConfirmScreen
from fintui.tui.screens.silence import SilenceScreen
from tests.fakes import FlakyCluster
from tests.tui.helpers import SNAPSHOT_CONFIG, make_app, screen_text, until_loaded


def config(tmp_path: Path) -> Path:
    """No background sweeps (the test drives them) and an alert state file of its own."""
    path = tmp_path / "alerts.toml"
    path.write_text(SNAPSHOT_CONFIG.read_text()
                    + f'\n[alerts]\nstate_file = "{tmp_path}/state.toml"'
                    '\nresolve_after = "5s"\n')
    return path


def app_for(tmp_path: Path, path: Path | None = None, *extra: str) -> FintuiApp:
    # Half-second demo steps: 70 sweeps are 35 simulated seconds.
    return make_app(*extra, config=path or config(tmp_path),
                    source=FlakyCluster(step_seconds=0.5))


async def sweeps(pilot: Pilot[int], n: int) -> None:
    app = pilot.app
    assert isinstance(app, FintuiApp)
    for _ in range(n):
        app.watcher.arrived(await app.parts.source.sweep())
        await pilot.pause()


async def to_alerts(pilot: Pilot[int], n: int = 70) -> None:
    await until_loaded(pilot)
    await sweeps(pilot, n)  # 35 simulated seconds: past the unhealthy rule's 30 s
    await pilot.press("4")
    await pilot.pause(0.1)


def select(app: FintuiApp, rule: str) -> None:
    pane = app.query_one(AlertsPane)
    index = [a.rule for a in pane.alerts].index(rule)
    pane.query_one("#alerts-active").move_cursor(row=index)  # type: ignore[attr-defined]


async def test_demo_faults_fire_and_show_in_the_header(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=(180, 40)) as pilot:
        await to_alerts(pilot)
        alerts = {(a.rule, a.target): a for a in app.query_one(AlertsPane).alerts}
        assert alerts[("crash-loop", "recon-worker")].state == "firing"
        assert alerts[("crash-loop", "recon-worker")].severity == "critical"
        assert alerts[("unhealthy", "fix-gateway")].state == "firing"
        # Capacity forecasts alert too: the tick store fills within the week.
        assert alerts[("capacity-critical", "fs /mnt/tickstore")].state == "firing"
        text = screen_text(app)
        for severity in ("critical", "warning"):
            firing = sum(a.state == "firing" and a.severity == severity
                         for a in alerts.values())
            assert firing >= 2
            assert f"▲ {firing} {severity}" in text  # the header counts what the pane lists
        assert "fault: i to isolate" in text


async def test_ack_and_silence_from_the_keyboard_survive_a_restart(tmp_path: Path) -> None:
    path = config(tmp_path)
    app = app_for(tmp_path, path)
    async with app.run_test(size=(180, 40)) as pilot:
        await to_alerts(pilot)
        critical = sum(a.state == "firing" and a.severity == "critical"
                       for a in app.query_one(AlertsPane).alerts)
        assert f"▲ {critical} critical" in screen_text(app)
        select(app, "unhealthy")
        await pilot.press("a")
        await pilot.pause()
        assert "acked by ops" in screen_text(app)
        select(app, "crash-loop")
        await pilot.press("S")
        await pilot.pause(0.1)
        assert isinstance(app.screen, SilenceScreen)
        await pilot.press("enter")  # no comment yet: refused, still asking
        assert isinstance(app.screen, SilenceScreen)
        app.screen.query_one("#comment", Input).value = "recon rerun planned"
        duration = app.screen.query_one("#duration", Input)
        usual, duration.value = duration.value, "999999999999d"  # past any date
        await pilot.press("enter")  # refused in the form: the console lives, still asking
        await pilot.pause(0.1)
        assert isinstance(app.screen, SilenceScreen) and app.is_running
        duration.value = usual
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert "silenced: recon rerun planned" in screen_text(app)
        assert f"▲ {critical - 1} critical" in screen_text(app)  # silenced: not counted
        audited = [(r["action"], r["target"]) for r in app.ops.audit.records()]
        assert audited == [("ack", "fix-gateway"), ("silence", "recon-worker")]
    again = app_for(tmp_path, path)
    async with again.run_test(size=(180, 40)) as pilot:
        await to_alerts(pilot)
        text = screen_text(again)
        assert "silenced: recon rerun planned" in text and "acked by ops" in text


async def test_a_viewer_can_neither_ack_nor_silence(tmp_path: Path) -> None:
    """Muting a page is a change: --read-only is refused it, and the refusal is audited."""
    app = app_for(tmp_path, None, "--read-only")
    async with app.run_test(size=(180, 40)) as pilot:
        await to_alerts(pilot)
        select(app, "unhealthy")
        await pilot.press("a")
        await pilot.pause()
        select(app, "crash-loop")
        await pilot.press("S")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, SilenceScreen)  # no form to type a comment in vain
        text = screen_text(app)
        assert "acked by" not in text and "silenced:" not in text
        assert not app.watcher.alert_state.acks and not app.watcher.alert_state.silences
        audited = [(r["action"], r["target"], r["outcome"], r["role"])
                   for r in app.ops.audit.records()]
        assert audited == [("ack", "fix-gateway", "refused", "viewer"),
                           ("silence", "recon-worker", "refused", "viewer")]
        assert all(r["uid"] == os.getuid() for r in app.ops.audit.records())


async def test_a_viewer_by_config_is_marked_and_told_why(tmp_path: Path) -> None:
    """No --read-only, but the account's role is viewer: the header says READ-ONLY and a
    refusal names the account and the setting that made it a viewer."""
    path = config(tmp_path)
    path.write_text(path.read_text() + '\n[guard]\ndefault_role = "viewer"\n')
    app = app_for(tmp_path, path)
    async with app.run_test(size=(180, 40)) as pilot:
        await to_alerts(pilot)
        assert "READ-ONLY" in screen_text(app)
        select(app, "unhealthy")
        await pilot.press("a")
        await pilot.pause()
        refusal = app.ops.audit.records()[-1]["error"]
        assert refusal == (f"role 'viewer' may not ack: viewers are read-only (account "
                           f"{app.ops.identity.user}, by guard.default_role)")


def with_receiver(tmp_path: Path, url: str) -> Path:
    path = config(tmp_path)
    path.write_text(path.read_text() + '\n[[alerts.receivers]]\nname = "pager"\n'
                    f'url = "{url}"\nformat = "alertmanager"\n'
                    'severities = ["critical"]\n')
    return path


def flat(app: FintuiApp) -> str:
    return " ".join(line.strip() for line in screen_text(app).splitlines())


async def until(pilot: Pilot[int], done: Callable[[], bool], seconds: float = 10) -> None:
    start = time.monotonic()
    while not done():
        assert time.monotonic() - start < seconds, "timed out waiting"
        await pilot.pause(0.05)


async def test_a_webhook_delivery_error_is_read_whole_at_80_columns(tmp_path: Path) -> None:
    app = app_for(tmp_path, with_receiver(tmp_path, "http://127.0.0.1:9/hook"))
    async with app.run_test(size=(80, 24)) as pilot:
        await to_alerts(pilot, n=12)
        assert app.watcher.webhooks is not None
        outbox = app.watcher.webhooks.outboxes["pager"]
        await until(pilot, lambda: outbox.refused + outbox.failures > 0)
        # As a redirect elsewhere leaves it (text from the receiver's answer: never markup).
        outbox.queue.clear()
        outbox.refused, outbox.failures, outbox.retry_at = 1, 0, None
        outbox.last_error = ("HTTP 307 redirect to http://127.0.0.1:18082 not followed "
                             "(another origin: secret headers stay here) [b]x[/b]")
        app.show_alerts()
        await pilot.pause()
        text = flat(app)
        assert "webhook failing" in text
        assert ("webhook pager: 1 refused (last error: HTTP 307 redirect to "
                "http://127.0.0.1:18082 not followed (another origin: secret headers stay "
                "here) [b]x[/b])") in text


async def test_a_pager_down_when_alerts_fire_gets_each_once_when_back(tmp_path: Path) -> None:
    """Before: `delivery failed` and the page was never sent. Now the pane says what waits and
    when it is retried, and the receiver that comes back gets every alert, once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nobody listens: the pager is down
    received: list[tuple[str, dict[str, Any]]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get("Idempotency-Key", ""), await request.json()))
        return web.Response()

    app = app_for(tmp_path, with_receiver(tmp_path, f"http://127.0.0.1:{port}/hook"))
    async with app.run_test(size=(120, 30)) as pilot:
        await to_alerts(pilot, n=12)
        assert app.watcher.webhooks is not None
        await until(pilot, lambda: "retry in" in flat(app))
        text = flat(app)
        assert "webhook failing" in text
        assert re.search(r"webhook pager: \d+ waiting, retry in \d s \(last error: Cannot "
                         f"connect to host 127.0.0.1:{port}", text), text
        server = web.Application()
        server.router.add_post("/hook", hook)
        runner = web.AppRunner(server)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            await until(pilot, lambda: "webhook pager: delivered" in flat(app))
            await pilot.pause(0.5)
        finally:
            await runner.cleanup()
        assert "webhook failing" not in flat(app)
    firing = [(a["labels"]["alertname"], a["labels"]["target"])
              for _, body in received for a in body["alerts"] if a["status"] == "firing"]
    critical = {a.key for a in app.watcher.alert_engine.active.values()
                if a.state == "firing" and a.severity == "critical"}
    assert sorted(firing) == sorted(critical) and firing  # each firing alert, exactly once
    assert len({key for key, _ in received}) == len(received)  # no message twice


async def test_i_on_a_fault_opens_the_isolation_plan(tmp_path: Path) -> None:
    app = app_for(tmp_path)
    async with app.run_test(size=(180, 40)) as pilot:
        await to_alerts(pilot, n=12)  # the crash loop needs only a few restarts
        select(app, "crash-loop")
        await pilot.press("i")
        await pilot.pause(0.2)
        assert isinstance(app.screen, ConfirmScreen)
        assert "isolate recon-worker" in screen_text(app)


def test_alerts_pane_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    async def run(pilot: Pilot[int]) -> None:
        await to_alerts(pilot)

    assert snap_compare(app_for(tmp_path), terminal_size=(140, 30), run_before=run)


async def ack_and_silence(pilot: Pilot[int]) -> None:
    """Ack the unhealthy gateway, silence the crash loop (both fault signatures)."""
    app = pilot.app
    assert isinstance(app, FintuiApp)
    select(app, "unhealthy")
    await pilot.press("a")
    await pilot.pause()
    select(app, "crash-loop")
    await pilot.press("S")
    await pilot.pause(0.1)
    assert isinstance(app.screen, SilenceScreen)
    app.screen.query_one("#comment", Input).value = "recon rerun planned"
    await pilot.press("enter")
    await pilot.pause(0.1)


def row_of(app: FintuiApp, target: str) -> str:
    return next(line for line in screen_text(app).splitlines() if f" {target} " in line)


async def test_at_80_columns_the_marks_survive_and_the_runbook_goes(tmp_path: Path) -> None:
    """Before: at 80 columns the Marks column was dropped and an acked or silenced row still
    read `CRITICAL firing` alone. Now the runbook and the value go first; the marks stay."""
    app = app_for(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_alerts(pilot)
        assert "i:isolate" in row_of(app, "fix-gateway")
        assert "i:isolate" in row_of(app, "recon-worker")
        await ack_and_silence(pilot)
        gateway, recon = row_of(app, "fix-gateway"), row_of(app, "recon-worker")
        assert "WARNING" in gateway and "✓ack ops i:isolate" in gateway
        assert "CRITICAL" in recon and "‖silenced i:isolate" in recon
        assert "Runbook" not in screen_text(app)
        assert all(len(line) <= 80 for line in screen_text(app).splitlines())


async def test_each_value_says_what_it_is(tmp_path: Path) -> None:
    """No bare `2` on a capacity alert: restarts in the window, days to full."""
    app = app_for(tmp_path)
    async with app.run_test(size=(180, 40)) as pilot:
        await to_alerts(pilot)
        assert re.search(r" \d+ restarts ", row_of(app, "recon-worker"))
        assert re.search(r" \d+\.\d days to full ", row_of(app, "fs /mnt/tickstore"))
        assert " yes " in row_of(app, "fix-gateway")


def test_alerts_pane_at_80_columns_shows_the_marks(snap_compare: Any, tmp_path: Path) -> None:
    async def run(pilot: Pilot[int]) -> None:
        await to_alerts(pilot)
        await ack_and_silence(pilot)
        pilot.app.clear_notifications()  # the toasts would cover the history
        await pilot.pause()

    assert snap_compare(app_for(tmp_path), terminal_size=(80, 24), run_before=run)
