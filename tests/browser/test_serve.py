"""`fintui serve` in a real headless Chromium: the page loads, the console's Containers pane
reaches the browser and is drawn, and the session is read-only by default.

Skips with a reason when Chromium is not installed, except under FINTUI_REQUIRE_BROWSER=1
(set by .ci/run, which installs Debian's chromium), where that is a failure."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiohttp import web

from fintui.tui.theme_loader import read_theme, themes_dir
from tests.browser.chromium import Browser, chromium_binary, free_port
from tests.browser.png import colour_share
from tests.browser.serving import Served, fintui_serve

REQUIRED = os.environ.get("FINTUI_REQUIRE_BROWSER") == "1"
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / ".test-artifacts"
ESCAPES = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]")


def _binary() -> str:
    binary = chromium_binary()
    if binary is None:
        if REQUIRED:
            pytest.fail("FINTUI_REQUIRE_BROWSER=1 but no chromium on PATH")
        pytest.skip("no Chromium for the browser test (apt-get install chromium)")
    try:
        import textual_serve  # noqa: F401
    except ImportError:
        pytest.fail("textual-serve is part of the test extra: pip install -e '.[test]'")
    return binary


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with fintui_serve(tmp_path) as server:
        yield server


@pytest.mark.browser
async def test_the_browser_shows_the_containers_pane(served: Served, tmp_path: Path) -> None:
    binary = _binary()
    async with Browser(binary, tmp_path / "profile") as browser:
        await browser.open(served.url)  # the address with its token, as printed
        text = ""
        for _ in range(300):  # the page starts a fintui process of its own: allow 30 s
            text = ESCAPES.sub("", await browser.received_text())
            if "fix-gateway" in text and "READ-ONLY" in text:
                break
            await browser.evaluate("new Promise(r => setTimeout(r, 100))")
        assert "1 Containers" in text, text[-2000:]
        assert "fix-gateway" in text and "pricing.1.k3j9x2a1" in text  # the demo's rows
        assert "READ-ONLY" in text  # browser sessions may look, not act, by default
        assert await browser.evaluate("document.body.classList.contains('-first-byte')")
        # textual-serve's "starting" dialog has gone: the terminal is what shows.
        assert await browser.evaluate(
            "getComputedStyle(document.querySelector('.intro-dialog')).display") == "none"
        # Everything the page loaded came from the console itself: no font from Google.
        loaded = await browser.evaluate(
            "[...performance.getEntriesByType('resource').map(e => e.name),"
            " ...[...document.querySelectorAll('link[href], script[src], img[src]')]"
            "     .map(e => e.href || e.src)]")
        console = urlsplit(served.url)
        assert loaded and all(
            (urlsplit(u).scheme, urlsplit(u).port) == (console.scheme, console.port)
            and urlsplit(u).hostname in ("127.0.0.1", "localhost") for u in loaded), loaded
        await browser.evaluate("new Promise(r => setTimeout(r, 1000))")  # let it paint
        ARTIFACTS.mkdir(exist_ok=True)
        png = await browser.screenshot(ARTIFACTS / "serve-containers.png")
    # The terminal is drawn on a canvas: the console's own colours fill most of the page
    # (the table sits on the theme's surface colour).
    surface = read_theme(themes_dir() / "fintui-dark.toml").theme.surface
    assert surface is not None
    assert colour_share(png, surface) > 0.4


@pytest.mark.browser
async def test_the_browser_without_the_token_or_from_another_site_gets_nothing(
        served: Served, tmp_path: Path) -> None:
    """The page without its token is refused; a page of another site (here another local
    port) that knows even the token cannot open the console's websocket."""
    binary = _binary()
    foreign = web.Application()

    async def evil_page(_request: web.Request) -> web.Response:
        return web.Response(text="<html>another site</html>", content_type="text/html")

    foreign.router.add_get("/", evil_page)
    runner = web.AppRunner(foreign)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        async with Browser(binary, tmp_path / "profile") as browser:
            await browser.open(served.url.split("?")[0])
            for _ in range(100):
                body = await browser.evaluate("document.body ? document.body.innerText : ''")
                if body:
                    break
                await browser.evaluate("new Promise(r => setTimeout(r, 100))")
            assert "access token needed" in body
            assert not await browser.evaluate("!!document.querySelector('#terminal')")
            await browser.open(f"http://127.0.0.1:{port}/")
            await browser.evaluate("new Promise(r => setTimeout(r, 300))")
            outcome = await browser.evaluate(f"""new Promise(resolve => {{
                const ws = new WebSocket({served.ws() + "?width=80&height=24"!r});
                ws.onopen = () => resolve("opened");
                ws.onerror = () => resolve("refused");
                setTimeout(() => resolve("timeout"), 10000);
            }})""")
            assert outcome == "refused"
            assert not served.consoles()
    finally:
        await runner.cleanup()


def test_serve_refuses_a_public_address_without_public() -> None:
    result = subprocess.run([sys.executable, "-m", "fintui", "--demo", "serve", "--host",
                             "0.0.0.0"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "0.0.0.0 is reachable from other machines: add --public" in result.stderr
