"""Builds the app the way `fintui` does, for Pilot and snapshot tests."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from textual.app import App
from textual.pilot import Pilot

from fintui.cli import build_parser
from fintui.config import load_settings
from fintui.sources.base import ClusterSource, GpuSource
from fintui.tui.app import FintuiApp
from fintui.tui.screens.actions import ProgressScreen
from fintui.wiring import build_parts

SNAPSHOT_CONFIG = Path(__file__).resolve().parent.parent / "sample-configs" / "snapshot.toml"


FAST_CONFIG = SNAPSHOT_CONFIG.parent / "fast.toml"


def make_app(*extra: str, config: Path = SNAPSHOT_CONFIG, demo: bool = True,
             source: ClusterSource | None = None, gpu: GpuSource | None = None) -> FintuiApp:
    """The app as `fintui [--demo] --as ops --config CONFIG EXTRA...` builds it."""
    # Against a real daemon a test console never attaches to an agent it did not start.
    alone = [] if demo or "--agent" in extra else ["--no-agent"]
    args = build_parser().parse_args([*(["--demo"] if demo else []), *alone, "--as", "ops",
                                      "--config", str(config), *extra])
    parts = build_parts(args, load_settings(args.config))
    if source is not None:
        parts.source = source
    if gpu is not None:
        parts.gpu = gpu
    return FintuiApp(parts, theme=args.theme)


def paging_demo_parts(tmp: Path) -> Any:
    """Demo parts whose state lives in `tmp`, with a (never answering) webhook receiver, so
    that the watch built on them pages."""
    tmp.mkdir(exist_ok=True)
    config = tmp / "fintui.toml"
    config.write_text(FAST_CONFIG.read_text().replace("/tmp/fintui-test-state", str(tmp / "s"))
                      + '\n[[alerts.receivers]]\nname = "desk"\nurl = "http://127.0.0.1:9/x"\n'
                        'format = "slack"\nseverities = ["critical", "warning"]\n')
    args = build_parser().parse_args(["--demo", "--as", "ops", "--config", str(config)])
    return build_parts(args, load_settings(args.config))


async def until_loaded(pilot: Pilot[int], sweeps: int = 1) -> None:
    """Wait until the poller has delivered `sweeps` snapshots to the screen."""
    app = pilot.app
    assert isinstance(app, FintuiApp)
    for _ in range(400):
        # Forecasts too: their capacity alerts are part of what every pane's header shows.
        if app.snapshots_seen >= sweeps and app.watcher.forecast_rounds:
            break
        await pilot.pause(0.01)
    else:
        raise AssertionError(f"not loaded: {app.snapshots_seen} snapshot(s), "
                             f"{app.watcher.forecast_rounds} forecast round(s)")
    await pilot.pause()


_SVG_TEXT = re.compile(r'<text [^>]*\bx="([0-9.]+)"[^>]*textLength="([0-9.]+)"'
                       r'[^>]*clip-path="url\(#[^)]*-line-(\d+)\)">(.*?)</text>')


def screen_text(app: App[Any]) -> str:
    """What the terminal would show, as plain text (escape bytes would appear as they are):
    read back from the public screenshot, whose every run of text sits at its cell."""
    found = [(int(line), float(x), float(length), html.unescape(raw).replace("\xa0", " "))
             for x, length, line, raw in _SVG_TEXT.findall(app.export_screenshot())]
    lines: dict[int, str] = {}
    for line, x, length, text in found:
        cell = length / len(text)  # one cell's width in the picture
        start = round(x / cell)
        shown = lines.get(line, "")
        lines[line] = shown + " " * max(start - cell_len(shown), 0) + text
    return "\n".join(lines.get(y, "") for y in range(app.size.height))


async def wait_for(pilot: Pilot[Any], text: str, seconds: float = 5.0) -> float:
    """Wait until `text` is on screen; returns how long that took."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if text in screen_text(pilot.app):
            return time.monotonic() - start
        await pilot.pause(0.05)
    raise AssertionError(f"{text!r} not shown within {seconds}s:\n{screen_text(pilot.app)}")


async def until_action_finished(pilot: Pilot[Any], tries: int = 200) -> ProgressScreen:
    """Wait until the progress screen of a confirmed action says it is done (or failed)."""
    for _ in range(tries):
        screen = pilot.app.screen
        if isinstance(screen, ProgressScreen) and screen.finished:
            return screen
        await pilot.pause(0.02)
    raise AssertionError(f"the action never finished (screen: {pilot.app.screen!r})")


async def until_screen(pilot: Pilot[Any], kind: type[Any], tries: int = 50) -> Any:
    """Wait until the screen on top is a `kind` (a confirmation, a form) and return it."""
    for _ in range(tries):
        if isinstance(pilot.app.screen, kind):
            return pilot.app.screen
        await pilot.pause(0.05)
    raise AssertionError(f"no {kind.__name__} came up (screen: {pilot.app.screen!r})")
