"""The browser door's rules: token, origin, loopback host (pure)."""

from __future__ import annotations

import pytest

from fintui.core.serve_access import host_allowed, origin_allowed, token_matches, token_problem


def test_tokens() -> None:
    assert token_matches("a" * 32, "a" * 32)
    assert not token_matches("a" * 31 + "b", "a" * 32)
    assert not token_matches(None, "a" * 32) and not token_matches("", "a" * 32)
    assert token_problem("short") == "the token must be at least 16 characters"
    assert token_problem("has spaces in it, sixteen+") is not None
    assert token_problem("kiosk-desk-7_Token.2026") is None
    assert token_problem("a" * 16) is not None  # sixteen characters, one guess
    assert origin_allowed("https://desk:8443", "desk:8443", "https")  # behind TLS


@pytest.mark.parametrize(("origin", "host", "allowed"), [
    ("http://127.0.0.1:8000", "127.0.0.1:8000", True),
    ("http://localhost:8000", "localhost:8000", True),
    ("http://evil.example", "127.0.0.1:8000", False),
    ("http://127.0.0.1:8001", "127.0.0.1:8000", False),  # another port is another site
    ("https://127.0.0.1:8000", "127.0.0.1:8000", False),  # a plain-HTTP server: not its page
    ("null", "127.0.0.1:8000", False),  # sandboxed iframes and file:// pages
    (None, "127.0.0.1:8000", False),  # no Origin: not a browser page
    ("file:///tmp/x.html", "127.0.0.1:8000", False),
])
def test_origin(origin: str | None, host: str, allowed: bool) -> None:
    assert origin_allowed(origin, host) == allowed


@pytest.mark.parametrize(("host", "public", "allowed"), [
    ("127.0.0.1:8000", False, True), ("localhost:8000", False, True),
    ("[::1]:8000", False, True), ("127.0.0.2", False, True),
    ("evil.example:8000", False, False),  # DNS rebinding to 127.0.0.1
    ("10.0.0.5:8000", False, False), (None, False, False),
    ("desk-host.corp:8000", True, True),  # --public: reached by the machine's name
])
def test_host(host: str | None, public: bool, allowed: bool) -> None:
    assert host_allowed(host, public) == allowed
