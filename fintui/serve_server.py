"""textual-serve's server with a door: a token, the page's own origin, a cap on sessions, and
children that end with their tab and with the server.

textual-serve runs each tab's console through a shell and asks it to quit over its stdin; a
console that has not started reading yet never hears that, so tabs closed early left consoles
behind. Here each console is started directly, in a process group of its own, and ended by
signal when its tab goes (SIGTERM, then SIGKILL), and the child dies with the server even when
the server is killed (FINTUI_SERVE_PARENT: see fintui.parent_watch)."""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import os
import signal
from asyncio.subprocess import Process
from collections.abc import Callable
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from fintui.core.serve_access import host_allowed, origin_allowed, token_matches
from fintui.parent_watch import PARENT_ENV

log = logging.getLogger("fintui.serve")
QUIT_GRACE = 2.0  # seconds a console gets to quit when asked, then SIGTERM
KILL_GRACE = 2.0  # seconds after SIGTERM before SIGKILL


def _page(title: str, text: str) -> str:
    """A refusal page: the browser shows it for the page, a client reads it for the socket."""
    return (f"<!doctype html><meta charset='utf-8'><title>fintui: {html.escape(title)}</title>"
            "<body style='font-family:monospace;background:#111;color:#ddd;padding:2em'>"
            f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body>")


class ConsoleProcess(AppService):
    """One tab's console: started without a shell, in its own process group."""

    def __init__(self, argv: list[str], **kwargs: Any) -> None:
        super().__init__(" ".join(argv), **kwargs)
        self.argv = argv

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        environment = self._build_environment(width=width, height=height)
        environment[PARENT_ENV] = str(os.getpid())
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=environment, start_new_session=True)
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def run(self) -> None:
        """textual-serve's, then the tab is told its console has ended (it quit, or never
        started: a config gone since the server started, say) instead of waiting forever."""
        await super().run()
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.remote_close()

    async def stop(self) -> None:
        """Ask it to quit; if it has not within QUIT_GRACE, end its process group."""
        task, self._task = self._task, None
        if task is not None:
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
            await self.send_meta({"type": "quit"})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), QUIT_GRACE)
        await self.end_process()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def end_process(self) -> None:
        process = self._process
        if process is None or process.returncode is not None:
            return
        for sig, grace in ((signal.SIGTERM, KILL_GRACE), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), grace)
                return


class GuardedServer(Server):
    """The page and its websocket need the launch token; the websocket only from the page's
    own origin; at most `max_sessions` consoles at once."""

    def __init__(self, argv: list[str], *, token: str, max_sessions: int, public: bool,
                 host: str, port: int, templates_path: str) -> None:
        super().__init__(" ".join(argv), host=host, port=port, title="fintui",
                         templates_path=templates_path)
        self.argv = argv
        self.token = token
        self.max_sessions = max_sessions
        self.public = public
        self.sessions: dict[ConsoleProcess, web.WebSocketResponse] = {}

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        # The websocket's path carries the token: textual.js appends its own "?width=".
        app.router.add_get("/ws/{token}", self.handle_websocket, name="console")
        return app

    async def on_startup(self, app: web.Application) -> None:
        """fintui prints its own banner (textual-serve's would print the command line)."""

    def _refusal(self, request: web.Request, token: str | None
                 ) -> tuple[int, str, str] | None:
        """(HTTP status, title, text) when this request may not have a console."""
        if not host_allowed(request.headers.get("Host"), self.public):
            return (403, "wrong address", "This console answers on its loopback address only "
                    "(127.0.0.1 or localhost).")
        if not token_matches(token, self.token):
            return (403, "access token needed", "Open the address that `fintui serve` "
                    "printed when it started: it ends in ?token=…")
        if len(self.sessions) >= self.max_sessions:
            return (503, "console full", f"All {self.max_sessions} browser sessions of this "
                    "fintui serve are in use. Close another fintui tab, or ask whoever runs "
                    "it to raise [serve] max_sessions.")
        return None

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        refused = self._refusal(request, request.query.get("token"))
        if refused is not None:
            status, title, text = refused
            return web.Response(status=status, text=_page(title, text),
                                content_type="text/html")
        scheme = "wss" if request.secure else "ws"
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            # Relative to the address the browser used, so the websocket is same-origin.
            "app_websocket_url": f"{scheme}://{request.host}/ws/{self.token}",
            "config": {"static": {"url": "/static/"}},
            "application": {"name": self.title},
        }
        import aiohttp_jinja2

        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        # The token is in the address bar: keep it out of Referer headers.
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        refused = self._refusal(request, request.match_info.get("token"))
        if refused is None and not origin_allowed(request.headers.get("Origin"),
                                                  request.headers.get("Host"),
                                                  "https" if request.secure else "http"):
            refused = (403, "foreign origin", "The console's websocket answers its own page "
                       "only.")
        if refused is not None:
            status, title, text = refused
            error = web.HTTPServiceUnavailable if status == 503 else web.HTTPForbidden
            raise error(text=_page(title, text), content_type="text/html")
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        await websocket.prepare(request)
        console = ConsoleProcess(self.argv, write_bytes=websocket.send_bytes,
                                 write_str=websocket.send_str, close=websocket.close,
                                 download_manager=self.download_manager)
        self.sessions[console] = websocket  # its place is taken until its process has ended
        try:
            await console.start(width, height)
            await self._process_messages(websocket, console)
        except (asyncio.CancelledError, ConnectionError):
            pass
        except Exception as exc:  # one line, never the request (its path holds the token)
            log.warning("a browser session ended: %s", type(exc).__name__)
        finally:
            try:
                await console.stop()
                await websocket.close()
            finally:
                self.sessions.pop(console, None)
        return websocket

    async def _process_messages(self, websocket: web.WebSocketResponse,
                                app_service: AppService) -> None:
        """textual-serve's, but a malformed frame is skipped instead of ending the session
        with a traceback."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                kind, data = json.loads(message.data)
                if kind == "stdin":
                    await app_service.send_bytes(str(data).encode("utf-8"))
                elif kind == "resize":
                    await app_service.set_terminal_size(int(data["width"]),
                                                        int(data["height"]))
                elif kind == "ping":
                    await websocket.send_json(["pong", data])
                elif kind == "blur":
                    await app_service.blur()
                elif kind == "focus":
                    await app_service.focus()
            except (ValueError, TypeError, KeyError):
                continue

    async def on_shutdown(self, app: web.Application) -> None:
        """Every console ends with the server, whatever state its tab is in."""
        sessions = list(self.sessions.items())
        await asyncio.gather(*(console.end_process() for console, _ in sessions))
        await asyncio.gather(*(ws.close(code=WSCloseCode.GOING_AWAY) for _, ws in sessions),
                             return_exceptions=True)

    def initialize_logging(self) -> None:
        """Plain one-line logging: textual-serve's shows a traceback's local variables, and
        those hold the request, token and all."""
        logging.basicConfig(level=logging.WARNING, format="fintui serve: %(message)s")

    def run(self, banner: Callable[[int], None]) -> None:
        """Listen, then print the banner with the port really bound, then serve until SIGINT
        or SIGTERM. No access log: request lines carry the token."""
        self.initialize_logging()
        asyncio.run(self._run(banner))

    async def _run(self, banner: Callable[[int], None]) -> None:
        runner = web.AppRunner(await self._make_app(), access_log=None, handle_signals=False,
                               shutdown_timeout=5.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
            banner(int(runner.addresses[0][1]))
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await stop.wait()
        finally:
            await runner.cleanup()  # on_shutdown: every console ends
