"""The log viewer on the demo: search by words (any order, any case) shows only the lines
holding every word, highlighted; `&` shows all lines again and `n`/`N` step between matches;
`w` wraps, `t` asks for timestamps, `s` saves what is shown; an exited container's log ends."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

from rich.segment import Segment
from rich.text import Text
from textual.pilot import Pilot

from fintui.core.log_search import Search
from fintui.tui.app import FintuiApp
from fintui.tui.screens.logs import LogScreen
from fintui.tui.widgets.log_view import LogHighlighter, LogView
from tests.tui.helpers import make_app, screen_text, until_loaded
from tests.tui.pty_run import colour_codes, run_in_pty

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z ")


async def open_logs(app: FintuiApp, pilot: Pilot[Any], name: str,
                    save_dir: Path | None = None) -> LogScreen:
    await until_loaded(pilot)
    assert app.state.snapshot is not None
    container = next(c for c in app.state.snapshot.containers if c.name == name)
    screen = LogScreen(app.watcher, container, 500, save_dir=save_dir)
    await app.push_screen(screen)
    await until(pilot, lambda: screen.query_one(LogView).line_count >= 500)
    return screen


async def until(pilot: Pilot[Any], done: Any) -> None:
    for _ in range(300):
        if done():
            break
        await pilot.pause(0.01)
    else:
        raise AssertionError("never happened")
    await pilot.pause()


async def search(pilot: Pilot[Any], query: str) -> None:
    await pilot.press("slash", *[{" ": "space"}.get(ch, ch) for ch in query], "enter")
    await pilot.pause()


def row_styles(log: LogView, y: int) -> list[tuple[str, str]]:
    """(text, style) of each piece of screen row `y` of the Log."""
    return [(seg.text, str(seg.style)) for seg in log.render_line(y)
            if isinstance(seg, Segment) and seg.text.strip()]


async def test_search_needs_every_word_in_any_order_and_highlights_them() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_logs(app, pilot, "fix-gateway")
        log = screen.query_one(LogView)
        kept = list(screen.lines)
        expected = [line for line in kept if "WARN" in line and "XSHG" in line]
        assert expected  # the demo's unhealthy gateway times out on XSHG
        await search(pilot, "warn xshg")  # not a phrase: "WARN heartbeat ... [XSHG]"
        assert list(log.lines) == expected
        assert f'search "warn xshg": {len(expected)} lines' in screen_text(app)
        await pilot.press("escape")
        await search(pilot, "XSHG Warn")
        assert list(log.lines) == expected
        # The matched words are drawn reversed and bold, the level word bold, on every row.
        styles = row_styles(log, log.line_count - 1 - log.scroll_offset.y)  # the newest
        assert any(text == "XSHG" and "reverse" in style and "bold" in style
                   for text, style in styles), styles
        assert any(text == "WARN" and "bold" in style for text, style in styles), styles


async def test_all_lines_and_n_N_step_between_matches() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_logs(app, pilot, "fix-gateway")
        log = screen.query_one(LogView)
        await search(pilot, "warn xshg")
        await pilot.press("ampersand")  # every line again, the matches still highlighted
        await pilot.pause()
        rows = list(log.lines)
        assert len(rows) == len(screen.lines)
        assert "lines match, all shown" in screen_text(app)
        hits = [i for i, row in enumerate(rows) if "WARN" in row and "XSHG" in row]
        await pilot.press("N")  # from the bottom of the view up: the newest match
        await pilot.pause()
        assert log.cursor == (hits[-1], 1)
        assert "paused" in screen_text(app)  # it stays on the match as lines come
        await pilot.press("N", "N")
        await pilot.pause()
        assert log.cursor == (hits[-3], 1)
        await pilot.press("n")
        await pilot.pause()
        assert log.cursor == (hits[-2], 1)
        await pilot.press("home", "N")  # at the top, nothing earlier: the cursor stays
        await pilot.pause()
        # The underlined line is on screen, underlined.
        first = log.cursor[0] if log.cursor else -1
        y = first - log.scroll_offset.y
        assert 0 <= y < log.scrollable_content_region.height
        assert all("underline" in style for _, style in row_styles(log, y))
        await pilot.press("ampersand")
        await pilot.pause()
        assert all("WARN" in row and "XSHG" in row for row in log.lines)


async def test_wrap_folds_long_lines_to_the_width_and_back() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_logs(app, pilot, "fix-gateway")
        log = screen.query_one(LogView)
        await pilot.press("t")  # timestamps make every demo line wider than the screen
        await until(pilot, lambda: log.line_count >= 500 and RFC3339.match(log.lines[-1]))
        width = log.scrollable_content_region.width
        assert max(map(len, log.lines)) > width
        await pilot.press("w")
        await pilot.pause()
        assert max(map(len, log.lines)) <= width and log.line_count > len(screen.lines)
        assert "".join(log.lines[-2:]) == screen.lines._lines[-1]  # type: ignore[attr-defined]
        assert "wrap" in screen_text(app)
        last = screen_text(app).splitlines()[-3]  # the row above the footer: the line's end
        assert screen.lines._lines[-1].endswith(last.strip())  # type: ignore[attr-defined]
        await pilot.press("w")
        await pilot.pause()
        assert list(log.lines) == list(screen.lines)


async def test_timestamps_toggle_asks_the_source_again() -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_logs(app, pilot, "fix-gateway")
        log = screen.query_one(LogView)
        plain = list(log.lines)
        assert not any(RFC3339.match(line) for line in plain)
        await pilot.press("t")
        await until(pilot, lambda: log.line_count >= 500 and RFC3339.match(log.lines[0]))
        stamped = list(log.lines)
        assert all(RFC3339.match(line) for line in stamped)
        assert [RFC3339.sub("", line) for line in stamped] == plain  # the same lines, timed
        assert "timestamps" in screen_text(app)
        await pilot.press("t")
        await until(pilot, lambda: log.line_count >= 500 and not RFC3339.match(log.lines[0]))
        assert list(log.lines) == plain


async def test_save_writes_the_shown_lines_owner_only(tmp_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_logs(app, pilot, "fix-gateway", save_dir=tmp_path)
        await search(pilot, "warn xshg")
        shown = list(screen.query_one(LogView).lines)
        await pilot.press("s")
        await until(pilot, lambda: list(tmp_path.iterdir()))
        (saved,) = tmp_path.iterdir()
        assert re.fullmatch(r"fix-gateway-\d{8}T\d{6}Z\.log", saved.name)
        assert saved.read_text().splitlines() == shown
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600
        await pilot.pause(0.2)
        # The notification names the whole path, folded over rows at 80 columns, not cut.
        toast = "".join(row[:78].split("▌", 1)[1].strip()  # left of the Log's scrollbar
                        for row in screen_text(app).splitlines() if "▌" in row)
        assert f"Saved {len(shown)} lines to{saved}" in toast, screen_text(app)
        await pilot.press("s")  # again within the second: a second file, not an overwrite
        await until(pilot, lambda: len(list(tmp_path.iterdir())) == 2)


async def test_an_exited_containers_log_ends_and_says_so() -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await until_loaded(pilot)
        assert app.state.snapshot is not None
        container = next(c for c in app.state.snapshot.containers if c.name == "nightly-report")
        screen = LogScreen(app.watcher, container, 500)
        await app.push_screen(screen)
        await until(pilot, lambda: bool(screen.ended))
        title = screen_text(app).splitlines()[0]
        assert "ended: container exited, code 0" in title and "following" not in title


def test_the_highlighter_styles_spans_and_keeps_markup_literal() -> None:
    highlighter = LogHighlighter()
    highlighter.search = Search.parse("[bold]")
    text = highlighter(Text("ERROR [bold]boom[/bold]"))
    assert text.plain == "ERROR [bold]boom[/bold]"  # markup stays characters
    spans = [(text.plain[s.start:s.end], str(s.style)) for s in text.spans]
    assert spans == [("ERROR [bold]boom[/bold]", "red"), ("ERROR", "bold red"),
                     ("[bold]", "bold reverse")]


async def test_mono_marks_by_weight_not_colour() -> None:
    app = make_app("--theme", "mono")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_logs(app, pilot, "fix-gateway")
        log = screen.query_one(LogView)
        await search(pilot, "xshg")
        styles = dict(row_styles(log, log.line_count - 1 - log.scroll_offset.y))
        assert "bold" in styles["WARN"] and "reverse" in styles["XSHG"]
        assert "bold" in styles["XSHG"] and "reverse" not in styles["WARN"]


def test_no_colour_log_viewer_marks_by_reverse_and_bold(tmp_path: Path) -> None:
    """Under NO_COLOR the bytes a real terminal gets hold no colour, yet the searched words
    come in reverse video and the level words in bold."""
    config = tmp_path / "fintui.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path / "state"}"\n')
    env = {**{k: v for k, v in os.environ.items() if k != "NO_COLOR"},
           "TERM": "xterm-256color", "NO_COLOR": "1"}
    keys = [(2.0, b"l"), (1.5, b"/"), (0.3, b"msgs"), (0.5, b"\r"), (0.5, b"&"), (0.5, b"N"),
            (1.0, b"\x1b"), (0.5, b"\x1b"), (0.5, b"q")]
    out = run_in_pty(["--demo", "--config", str(config)], env, keys, size=(80, 24),
                     ready=b"recon-worker", timeout=60)
    text = re.sub(rb"\x1b\[[0-9;?<>$:]*[a-zA-Z~]", b"", out)  # what the terminal shows
    assert b'search "msgs"' in text and b"all shown" in text, text[-2000:]
    assert colour_codes(out) == []
    assert re.search(rb"\x1b\[[0-9;]*\b7\b[0-9;]*mmsgs", out)  # the word, reversed
