"""`fintui serve`: where it may listen and what each browser session runs."""

from __future__ import annotations

import sys
from dataclasses import replace

import pytest

from fintui.cli import build_parser
from fintui.config import load_settings
from fintui.core.serve_address import bind_problem
from fintui.serve import app_command


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
    assert command == [sys.executable, "-m", "fintui", "--as", "desk", "--theme",
                       "trading-floor", "--demo", "--read-only"]
    allowed = app_command(args, replace(settings, serve_allow_actions=True))
    assert "--read-only" not in allowed
    # --read-only on the command line still wins over the config.
    args.read_only = True
    assert "--read-only" in app_command(args, replace(settings, serve_allow_actions=True))
