"""NO_COLOR and the mono theme: the bytes the console writes to a real terminal (a pty)
carry no colour at all, on every pane, the help screen and the command palette; emphasis
is by bold, underline and reverse video only."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from rich.style import Style

from fintui.tui.colourless import colourless_style
from tests.tui.pty_run import colour_codes, run_in_pty

# Every pane, the help screen and the command palette, then quit.
TOUR = [(1.0, b"2"), (0.4, b"3"), (0.4, b"4"), (0.4, b"5"), (0.4, b"6"), (0.4, b"7"),
        (0.4, b"1"), (0.4, b"?"), (0.6, b"\x1b"), (0.4, b"\x10"), (0.6, b"\x1b"), (0.4, b"q")]


def console_bytes(tmp_path: Path, extra: list[str], no_color: str | None) -> bytes:
    config = tmp_path / "fintui.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path / "state"}"\n')
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["TERM"] = "xterm-256color"
    if no_color is not None:
        env["NO_COLOR"] = no_color
    out = run_in_pty(["--demo", "--config", str(config), *extra], env, TOUR, size=(80, 24),
                     ready=b"recon-worker", timeout=60)
    assert b"recon-worker" in out and b"Forecast" in out, out[-2000:]
    return out


@pytest.mark.parametrize(("extra", "no_color"), [
    ([], "1"),  # NO_COLOR alone: mono
    (["--theme", "fintui-dark"], "yes"),  # a colour theme named too: still no colour
    (["--theme", "mono"], None),
])
def test_no_colour_reaches_the_terminal(tmp_path: Path, extra: list[str],
                                        no_color: str | None) -> None:
    out = console_bytes(tmp_path, extra, no_color)
    assert colour_codes(out) == []  # no 38;5 / 48;5 / 38;2 / 48;2, no 3x or 4x
    # The cursor row and the tab shown are still told apart: reverse video.
    assert re.search(rb"\x1b\[[0-9;]*\b7\b[0-9;]*m", out)
    assert b"\x1b[2m" not in out and not re.search(rb"\x1b\[(?:[0-9]+;)*2(?:;[0-9]+)*m", out)


def test_the_check_sees_colour_where_there_is_some(tmp_path: Path) -> None:
    out = console_bytes(tmp_path, [], None)
    assert colour_codes(out)  # the default theme paints: the pty check is not blind


def test_colour_codes_reads_every_form() -> None:
    assert colour_codes(b"\x1b[1;39;49m\x1b[0m\x1b[7;39;49m") == []
    assert colour_codes(b"\x1b[38;5;188;48;2;1;2;3m") == ["38;5;188", "48;2;1;2;3"]
    assert colour_codes(b"\x1b[31m\x1b[1;44m\x1b[97m") == ["31", "44", "97"]


def test_light_cells_become_reverse_video_and_greys_go() -> None:
    plain = colourless_style(Style(color="#808080", bgcolor="#000000", dim=True, bold=True))
    assert plain.color is not None and plain.color.is_default and plain.bgcolor is not None \
        and plain.bgcolor.is_default
    assert plain.bold and not plain.dim and not plain.reverse
    # A light background (a cursor bar, a scroll bar's thumb) shows as reverse video.
    assert colourless_style(Style(color="#000000", bgcolor="#FFFFFF")).reverse
    assert colourless_style(Style(color="#FFFFFF", bgcolor="#000000", reverse=True)).reverse
    assert not colourless_style(Style(color="#000000", bgcolor="#FFFFFF", reverse=True)).reverse
