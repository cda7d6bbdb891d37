"""`fintui serve`: where it may listen and what each browser session runs."""

from __future__ import annotations

import sys
from dataclasses import replace

import pytest

from fintui.cli import build_parser
from fintui.config import load_settings
from fintui.core.serve_address import bind_problem
from fintui.serve import app_command, without_remote_resources


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.53", "::1", "[::1]", "localhost"])
def test_loopback_addresses_are_allowed(host: str) -> None:
    assert bind_problem(host, public=False) is None


@pytest.mark.parametrize(("host", "problem"), [
    ("0.0.0.0", "reachable from other machines: add --public"),
    ("10.1.2.3", "reachable from other machines"),
    ("::", "reachable from other machines"),
    ("desk.example.com", "is a host name, not a loopback address"),
    ("", "must name an address"),
])
def test_other_addresses_need_public(host: str, problem: str) -> None:
    assert problem in (bind_problem(host, public=False) or "")
    if host:
        assert bind_problem(host, public=True) is None


def test_browser_sessions_are_read_only_unless_the_config_allows_actions() -> None:
    args = build_parser().parse_args(["--demo", "--as", "desk", "--theme", "trading-floor",
                                      "serve", "--port", "9000"])
    settings = load_settings(None)
    command = app_command(args, settings)
    assert command == [sys.executable, "-m", "fintui", "--as=desk", "--theme=trading-floor",
                       "--demo", "--read-only"]
    acting = replace(settings, serve=replace(settings.serve, allow_actions=True))
    allowed = app_command(args, acting)
    assert "--read-only" not in allowed
    # --read-only on the command line still wins over the config.
    args.read_only = True
    assert "--read-only" in app_command(args, acting)


def test_each_browser_session_keeps_the_endpoint_it_was_started_for() -> None:
    args = build_parser().parse_args(["--config", "desk.toml", "--endpoint", "desk-b", "serve"])
    command = app_command(args, load_settings(None))
    assert "--endpoint=desk-b" in command and "--config=desk.toml" in command


def test_a_value_that_looks_like_a_flag_stays_a_value() -> None:
    """`--as=--read-only` must reach each browser console as the value of --as."""
    args = build_parser().parse_args(["--demo", "--as=--read-only", "serve"])
    settings = load_settings(None)
    command = app_command(args, replace(settings, serve=replace(settings.serve,
                                                                allow_actions=True)))
    console = build_parser().parse_args(command[3:])
    assert console.actor == "--read-only" and not console.read_only


def test_a_viewer_account_serves_read_only_whatever_allow_actions_says() -> None:
    settings = load_settings(None)
    viewers = replace(settings, serve=replace(settings.serve, allow_actions=True),
                      guard=replace(settings.guard, default_role="viewer"))
    args = build_parser().parse_args(["--demo", "serve"])
    assert "--read-only" in app_command(args, viewers)


def test_the_served_page_loads_nothing_from_other_sites() -> None:
    page = """<head>
    <link rel="stylesheet" href="{{ config.static.url }}css/xterm.css" />
    <link
      rel="stylesheet"
      href="https://fonts.googleapis.com/css?family=Roboto%20Mono"
    />
    <LINK href='//cdn.example.com/x.css' rel=stylesheet>
    <script src="https://cdn.example.com/tracker.js"></script>
    <script src="{{ config.static.url }}js/textual.js"></script>
    <a href="https://textual.textualize.io">Textual</a>
    </head>"""
    local = without_remote_resources(page)
    assert "googleapis" not in local and "cdn.example.com" not in local
    assert 'href="{{ config.static.url }}css/xterm.css"' in local
    assert '<script src="{{ config.static.url }}js/textual.js"></script>' in local
    assert '<a href="https://textual.textualize.io">' in local  # a link to follow, not a fetch
