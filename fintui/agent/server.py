"""The agent's HTTP server on a unix socket: JSON in, JSON out, acts by the peer's OS identity.

Who asks comes from SO_PEERCRED on each connection; a name in a request body is never read.
The socket file's rights and life are fintui.agent.socket_file's.

Update streams (`GET /v1/updates`) are newline-delimited JSON, one object per line. While the
backend has nothing to say the server writes an empty line every `keepalive` seconds, so a
client can use a read timeout longer than that to notice a dead agent. A stream ends cleanly
(the HTTP body's proper end) when the backend's updates end or the server stops; it is cut
(no proper end) when the backend fails in the middle of it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from fintui.agent.backend import AgentBackend, AgentError, AgentStarting
from fintui.agent.peer import peer_uid
from fintui.agent.socket_file import AgentRunning, SocketFile
from fintui.core.alerts import silence_problem
from fintui.core.text_safety import one_line
from fintui.ops.identity import Identity, identity_of
from fintui.ops.operations import Refused

log = logging.getLogger("fintui.agent")

MAX_BODY = 64 * 1024  # requests are a few short fields
_POLL = 0.5  # how often an idle stream checks that its client is still there
_MESSAGE_LIMIT = 500  # characters of an exception's text put into an answer or the log

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

if TYPE_CHECKING:
    from fintui.agent.acts import ActDesk


__all__ = ["AgentRunning", "AgentServer"]  # AgentRunning: where callers have imported it


class AgentServer:
    def __init__(self, backend: AgentBackend, path: Path, group: str = "", *,
                 keepalive: float = 15.0, desk: ActDesk | None = None) -> None:
        self.backend = backend
        self.desk = desk  # acts (plan, execute); None: this agent only watches
        self.path = path
        self.group = group
        self.keepalive = keepalive
        self._runner: web.AppRunner | None = None
        self._socket = SocketFile(path, group)
        self._stopping = asyncio.Event()
        self._streams: set[asyncio.Task[Any]] = set()

    # -- life cycle -------------------------------------------------------------------------

    async def start(self) -> None:
        sock = await self._socket.open()
        app = web.Application(client_max_size=MAX_BODY, middlewares=[self._errors])
        app.router.add_get("/v1/agent", self._info)
        app.router.add_get("/v1/status", self._status)
        app.router.add_get("/v1/alerts", self._alerts)
        app.router.add_get("/v1/whoami", self._whoami)
        app.router.add_post("/v1/ack", self._ack)
        app.router.add_post("/v1/silence", self._silence)
        app.router.add_get("/v1/updates", self._updates)
        app.router.add_get("/v1/role", self._role)
        app.router.add_post("/v1/plan", self._plan)
        app.router.add_post("/v1/preview-clean", self._preview_clean)
        app.router.add_post("/v1/drop", self._drop)
        app.router.add_post("/v1/execute", self._execute)
        app.router.add_post("/v1/record", self._record)
        app.router.add_get("/v1/audit", self._audit)
        app.router.add_post("/v1/read-disks", self._read_disks)
        app.router.add_get("/v1/volume-history", self._volume_history)
        app.router.add_get("/v1/policies", self._policies)
        app.router.add_post("/v1/approve", self._approve)
        app.router.add_post("/v1/reject", self._reject)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=5.0)
        try:
            await runner.setup()
            await web.SockSite(runner, sock).start()  # listen() happens here, after chmod
        except BaseException:
            await runner.cleanup()
            sock.close()
            self._socket.remove()
            raise
        self._runner = runner
        self._stopping.clear()

    async def stop(self) -> None:
        """Stop accepting, end open update streams cleanly, remove the socket if ours."""
        self._stopping.set()
        if self._streams:  # they see the event within a moment and finish their bodies
            await asyncio.wait(set(self._streams), timeout=5.0)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._socket.remove()

    # -- error answers ----------------------------------------------------------------------

    @web.middleware
    async def _errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except AgentStarting as exc:
            return _error(503, one_line(str(exc), _MESSAGE_LIMIT))
        except AgentError as exc:
            return _error(400, one_line(str(exc), _MESSAGE_LIMIT))
        except Refused as exc:
            return _error(403, one_line(str(exc), _MESSAGE_LIMIT))
        except web.HTTPException as exc:  # no such route, wrong method, body too big
            return _error(exc.status, exc.reason)
        except Exception as exc:
            text = one_line(f"{type(exc).__name__}: {exc}", _MESSAGE_LIMIT)
            log.error("agent: %s %s failed: %s", request.method, request.path, text)
            return _error(500, f"internal error: {text}")

    # -- routes -----------------------------------------------------------------------------

    async def _info(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self.backend.info())

    async def _status(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(await self.backend.status())

    async def _alerts(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({"alerts": self.backend.alerts()})

    async def _whoami(self, request: web.Request) -> web.StreamResponse:
        who = await _peer(request)
        return web.json_response({"uid": who.uid, "user": who.user, "groups": list(who.groups)})

    async def _ack(self, request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        rule, target = _text(body, "rule"), _text(body, "target")
        who = await _peer(request)
        return web.json_response({"message": await self.backend.ack(
            who, rule, target, read_only=_flag(body, "read_only"))})

    async def _silence(self, request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        rule, target = _text(body, "rule"), _text(body, "target")
        seconds = body.get("seconds")
        if (isinstance(seconds, bool) or not isinstance(seconds, int | float)
                or not math.isfinite(seconds) or seconds <= 0):
            raise AgentError("'seconds' must be a number greater than 0")
        problem = silence_problem(float(seconds))
        if problem:
            raise AgentError(f"'seconds': {problem}")
        comment = body.get("comment", "")
        if not isinstance(comment, str):
            raise AgentError("'comment' must be a string")
        who = await _peer(request)
        message = await self.backend.silence(who, rule, target, float(seconds), comment,
                                             read_only=_flag(body, "read_only"))
        return web.json_response({"message": message})

    def _desk(self) -> ActDesk:
        if self.desk is None:
            raise AgentError("this agent takes no acts")
        return self.desk

    async def _role(self, request: web.Request) -> web.StreamResponse:
        who = await _peer(request)
        endpoint = request.query.get("endpoint", "")
        read_only = request.query.get("read_only", "") == "1"
        return web.json_response(self._desk().role(who, endpoint, read_only))

    async def _plan(self, request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        who = await _peer(request)
        return web.json_response(await self._desk().plan(who, body))

    async def _preview_clean(self, request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        who = await _peer(request)
        return web.json_response(await self._desk().preview_clean(who, body))

    async def _drop(self, request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        who = await _peer(request)
        self._desk().drop(who, _text(body, "ticket"))
        return web.json_response({})

    async def _execute(self, request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        who = await _peer(request)
        return await self._stream(request, self._desk().execute(who, body))

    async def _record(self, request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        who = await _peer(request)
        return web.json_response(self._desk().record_outside(who, body))

    async def _audit(self, request: web.Request) -> web.StreamResponse:
        since = None
        if request.query.get("since"):
            try:
                since = datetime.fromisoformat(request.query["since"])
            except ValueError:
                raise AgentError("'since' must be an ISO 8601 time") from None
            if since.tzinfo is None:
                since = since.replace(tzinfo=UTC)
        try:
            limit = int(request.query.get("limit", "200"))
        except ValueError:
            raise AgentError("'limit' must be a whole number") from None
        if request.query.get("records"):  # the Audit pane's: the newest records' fields
            return web.json_response(await self._desk().audit_records(max(1, limit)))
        return web.json_response(await self._desk().audit_tail(since, max(1, limit)))

    async def _read_disks(self, request: web.Request) -> web.StreamResponse:
        endpoints = (await _body(request)).get("endpoints")
        if not isinstance(endpoints, list) or not all(isinstance(e, str) for e in endpoints):
            raise AgentError("'endpoints' must be a list of endpoint names")
        return web.json_response({"errors": await self.backend.read_disks(endpoints)})

    async def _volume_history(self, request: web.Request) -> web.StreamResponse:
        volume = request.query.get("volume", "")
        if not volume:
            raise AgentError("'volume' must be a non-empty string")
        rows = await self._desk().volume_history(volume, request.query.get("endpoint", ""))
        return web.json_response({"history": rows})

    async def _policies(self, request: web.Request) -> web.StreamResponse:
        """Each policy's state and the requests waiting for approval (fintui policies)."""
        return web.json_response(await self._desk().policies())

    async def _approve(self, request: web.Request) -> web.StreamResponse:
        """Approve a request: it runs as an act does (NDJSON lines like /v1/execute)."""
        body = await _body(request)
        who = await _peer(request)
        return await self._stream(request, self._desk().approve(who, body))

    async def _reject(self, request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        who = await _peer(request)
        return web.json_response(await self._desk().reject(who, body))

    async def _updates(self, request: web.Request) -> web.StreamResponse:
        return await self._stream(request, self.backend.updates())

    async def _stream(self, request: web.Request, source: AsyncIterator[dict[str, Any]]
                      ) -> web.StreamResponse:
        """NDJSON lines from `source` (made before this: its failing answers 500)."""
        response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson",
                                               "Cache-Control": "no-store"})
        await response.prepare(request)
        task = asyncio.current_task()
        if task is not None:
            self._streams.add(task)
        try:
            await self._pump(request, response, source)
        except ConnectionError:  # the client went away mid-write: nothing to tell anyone
            return response
        except Exception as exc:
            text = one_line(f"{type(exc).__name__}: {exc}", _MESSAGE_LIMIT)
            log.error("agent: %s stream failed: %s", request.path, text)
            if request.transport is not None:  # cut it: the client must not take it as done
                request.transport.abort()
            return response
        finally:
            if task is not None:
                self._streams.discard(task)
            closer = getattr(source, "aclose", None)
            if closer is not None:
                with contextlib.suppress(Exception):
                    await closer()
        with contextlib.suppress(ConnectionError):
            await response.write_eof()
        return response

    async def _pump(self, request: web.Request, response: web.StreamResponse,
                    source: AsyncIterator[dict[str, Any]]) -> None:
        """Copy items to the client until the source ends, the server stops or the client
        goes; an idle stream gets an empty line every `keepalive` seconds."""
        loop = asyncio.get_running_loop()
        stopping: asyncio.Future[Any] = asyncio.ensure_future(self._stopping.wait())
        pending: asyncio.Future[Any] | None = None
        last_write = loop.time()
        try:
            while True:
                if pending is None:
                    pending = asyncio.ensure_future(anext(source))
                await asyncio.wait({pending, stopping}, timeout=_POLL,
                                   return_when=asyncio.FIRST_COMPLETED)
                if stopping.done() or request.transport is None:
                    return
                if not pending.done():
                    if loop.time() - last_write >= self.keepalive:
                        await response.write(b"\n")
                        last_write = loop.time()
                    continue
                try:
                    item = pending.result()
                except StopAsyncIteration:
                    return
                pending = None
                await response.write(json.dumps(item).encode() + b"\n")
                last_write = loop.time()
        finally:
            stopping.cancel()
            if pending is not None and not pending.done():
                pending.cancel()
                with contextlib.suppress(BaseException):
                    await pending
            elif pending is not None and not pending.cancelled():
                # Ended while the client went: its end (StopAsyncIteration) is read here, or
                # asyncio logs "Task exception was never retrieved" in the agent's log.
                pending.exception()


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def _peer(request: web.Request) -> Identity:
    """The connected process's account, from the kernel; never from the request."""
    transport = request.transport
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None:
        raise AgentError("connection closed")
    try:
        uid = peer_uid(sock)
    except OSError as exc:
        raise Refused(f"cannot tell who is asking: {exc.strerror or exc}") from None
    # The account database may be remote (LDAP): not on the event loop.
    return await asyncio.to_thread(identity_of, uid)


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()  # over MAX_BODY: HTTPRequestEntityTooLarge → 413
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise AgentError("request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise AgentError("request body must be a JSON object")
    return body


def _text(body: dict[str, Any], field: str) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value:
        raise AgentError(f"{field!r} must be a non-empty string")
    return value


def _flag(body: dict[str, Any], field: str) -> bool:
    value = body.get(field, False)
    if not isinstance(value, bool):
        raise AgentError(f"{field!r} must be true or false")
    return value
