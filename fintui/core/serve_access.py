"""Who may open `fintui serve`'s page and websocket. Pure: the server hands in the request's
headers; these say yes or no.

Three locks, each enough against a different attacker: the per-launch token (another local
user, or a page that guesses the port), the Origin check (a foreign page driving the socket
with the user's browser), and, on loopback, the Host check (DNS rebinding: a foreign name
that resolves to 127.0.0.1)."""

from __future__ import annotations

import hmac
import ipaddress
import re
from urllib.parse import urlsplit

MIN_TOKEN = 16
MIN_DISTINCT = 8  # "aaaaaaaaaaaaaaaa" is sixteen characters and one guess
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_.~-]+")  # URL-safe without escaping


def token_problem(token: str) -> str | None:
    """Why `token` cannot be used (too short to resist guessing, or not URL-safe)."""
    if len(token) < MIN_TOKEN:
        return f"the token must be at least {MIN_TOKEN} characters"
    if not _TOKEN_CHARS.fullmatch(token):
        return "the token may hold only letters, digits and - _ . ~"
    if len(set(token)) < MIN_DISTINCT:
        return f"the token is too easy to guess: use at least {MIN_DISTINCT} different characters"
    return None


def token_matches(given: str | None, token: str) -> bool:
    """Constant-time comparison: the time taken tells nothing about how much matched."""
    return bool(given) and hmac.compare_digest(str(given).encode(), token.encode())


def _hostname(host_header: str) -> str:
    host = host_header.strip().lower()
    if host.startswith("["):  # [::1]:8000
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def host_allowed(host_header: str | None, public: bool) -> bool:
    """A loopback server answers only requests addressed to a loopback name."""
    if public:
        return True
    name = _hostname(host_header or "")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def origin_allowed(origin: str | None, host_header: str | None, scheme: str = "http") -> bool:
    """The websocket is the page's own: its Origin is this server as the browser reached it
    (`scheme` is how this request came: http, or https behind TLS). No Origin (not a
    browser) is refused too."""
    if not origin or not host_header:
        return False
    parts = urlsplit(origin)
    return parts.scheme == scheme and parts.netloc.lower() == host_header.lower()
