"""The client of `fintui agent`: HTTP/JSON over the agent's unix socket.

Failures come as three exceptions, each with one line for an operator (text from the agent is
made inert first: whatever listens on the socket may not be ours):
  AgentUnavailable: no agent to talk to (no socket, refused, permission denied, timed out,
                    connection cut);
  AgentRefused:     the agent said no to an act (403; role, freeze);
  AgentFailed:      the agent could not do it (400 bad request, 500, an answer not understood).

`updates()` ends (the iteration finishes) when the agent ends the stream properly: its backend
stopped or the agent is stopping. A stream cut without its proper end, or silent for longer
than the read timeout, raises AgentUnavailable."""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import AsyncGenerator
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import aiohttp

from fintui.core.text_safety import one_line

BASE = "http://agent"
MAX_LINE = 16 * 1024 * 1024  # one update; more means a broken (or hostile) peer
_MESSAGE_LIMIT = 500


class AgentUnavailable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AgentRefused(Exception):
    """The agent refused the act; the message is its reason."""


class AgentFailed(Exception):
    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status, 0 where the answer itself was wrong


class _StreamClosed(aiohttp.ClientConnectionError):
    """Put into an open stream's reader when the client is closed under it."""


class AgentClient:
    def __init__(self, path: Path, timeout: float = 5.0) -> None:
        self.path = path
        self.timeout = timeout
        self._where = one_line(str(path))
        self._session: aiohttp.ClientSession | None = None
        # Closing the session does not wake a reader waiting on its socket: we do.
        self._streams: set[aiohttp.StreamReader] = set()

    async def __aenter__(self) -> AgentClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()

    async def close(self) -> None:
        for reader in self._streams:
            reader.set_exception(_StreamClosed())
        self._streams.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.UnixConnector(path=str(self.path))
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    # -- requests ---------------------------------------------------------------------------

    async def info(self) -> dict[str, Any]:
        return _object(await self._call("GET", "/v1/agent"))

    async def status(self) -> dict[str, Any]:
        return _object(await self._call("GET", "/v1/status"))

    async def alerts(self) -> list[dict[str, Any]]:
        alerts = _object(await self._call("GET", "/v1/alerts")).get("alerts")
        if not isinstance(alerts, list) or not all(isinstance(a, dict) for a in alerts):
            raise AgentFailed("the agent's alerts are not a list of objects")
        return alerts

    async def policies(self) -> dict[str, Any]:
        """Each policy's state and the approval requests: {"policies": [...], "approvals":
        [...]} (fintui.core.policy_view.rows_of reads them)."""
        return _object(await self._call("GET", "/v1/policies"))

    async def whoami(self) -> dict[str, Any]:
        return _object(await self._call("GET", "/v1/whoami"))

    async def ack(self, rule: str, target: str, read_only: bool = False) -> str:
        """`read_only`: judge this caller a viewer (a --read-only console or verb)."""
        answer = await self._call("POST", "/v1/ack", {"rule": rule, "target": target,
                                                      "read_only": read_only})
        return _message(answer)

    async def silence(self, rule: str, target: str, seconds: float, comment: str = "",
                      read_only: bool = False) -> str:
        body = {"rule": rule, "target": target, "seconds": seconds, "comment": comment,
                "read_only": read_only}
        return _message(await self._call("POST", "/v1/silence", body))

    async def role(self, endpoint: str = "", read_only: bool = False) -> dict[str, Any]:
        """This account's role on the agent, and what it may do now."""
        query = urlencode({"endpoint": endpoint, "read_only": "1" if read_only else ""})
        return _object(await self._call("GET", "/v1/role?" + query))

    async def plan(self, request: dict[str, Any]) -> dict[str, Any]:
        """A plan made and held by the agent for this account (its "ticket" runs it)."""
        return _object(await self._call("POST", "/v1/plan", request))

    async def record(self, request: dict[str, Any]) -> None:
        """Audit an act this console runs itself (a shell), as this account, on the agent."""
        await self._call("POST", "/v1/record", request)

    async def preview_clean(self, match: str = "", endpoint: str = "") -> dict[str, Any]:
        return _object(await self._call("POST", "/v1/preview-clean",
                                        {"match": match, "endpoint": endpoint}))

    async def audit_tail(self, since: str = "", limit: int = 200) -> dict[str, Any]:
        """The agent's audit log, readably: {"path": ..., "lines": [...]}."""
        query = urlencode({"since": since, "limit": limit})
        return _object(await self._call("GET", "/v1/audit?" + query))

    async def audit_records(self, limit: int = 200) -> dict[str, Any]:
        """The agent's newest audit records: {"path", "records": [{field: text}], "problem"}
        (an older agent answers as audit_tail does, without "records")."""
        query = urlencode({"records": 1, "limit": limit})
        return _object(await self._call("GET", "/v1/audit?" + query))

    async def volume_history(self, volume: str, endpoint: str = "") -> list[tuple[str, ...]]:
        answer = _object(await self._call("GET", "/v1/volume-history?" + urlencode(
            {"volume": volume, "endpoint": endpoint}))).get("history")
        if not isinstance(answer, list) or not all(
                isinstance(row, list) and len(row) == 4 and all(isinstance(x, str) for x in row)
                for row in answer):
            raise AgentFailed("the agent's volume history is not a list of rows")
        return [tuple(row) for row in answer]

    async def read_disks(self, endpoints: list[str]) -> dict[str, str]:
        """Have the agent read these endpoints' storage sizes (they come on the update
        stream); the ones it could not read, with why."""
        errors = _object(await self._call("POST", "/v1/read-disks",
                                          {"endpoints": endpoints})).get("errors")
        if not isinstance(errors, dict):
            raise AgentFailed("the agent's answer to a disk read is not an object")
        return {str(k): one_line(str(v), _MESSAGE_LIMIT) for k, v in errors.items()}

    async def drop(self, ticket: str) -> None:
        await self._call("POST", "/v1/drop", {"ticket": ticket})

    def execute(self, ticket: str, keep: list[str] | None = None,
                read_timeout: float | None = None) -> AsyncGenerator[dict[str, Any], None]:
        """Run a held plan: its progress lines, then how it ended (see fintui.agent.acts)."""
        body: dict[str, Any] = {"ticket": ticket}
        if keep is not None:
            body["keep"] = keep
        return self._lines("POST", "/v1/execute", body, read_timeout)

    def approve(self, request_id: int, preview: bool = False, read_only: bool = False,
                override: str = "", read_timeout: float | None = None
                ) -> AsyncGenerator[dict[str, Any], None]:
        """Approve a waiting request as this account and run it: {"kind": "request"}, then
        lines as execute's; with `preview`, the request and the act as planned now only."""
        return self._lines("POST", "/v1/approve", {
            "id": request_id, "preview": preview, "read_only": read_only,
            "override": override}, read_timeout)

    async def reject(self, request_id: int, comment: str = "", read_only: bool = False
                     ) -> str:
        """Reject a waiting request as this account; the agent's one line."""
        return _message(await self._call("POST", "/v1/reject", {
            "id": request_id, "comment": comment, "read_only": read_only}))

    async def _call(self, method: str, route: str, body: dict[str, Any] | None = None) -> Any:
        limit = aiohttp.ClientTimeout(total=self.timeout)
        try:
            async with self._get_session().request(method, BASE + route, json=body,
                                                    timeout=limit) as resp:
                raw = await resp.read()
                status = resp.status
        except TimeoutError:
            raise AgentUnavailable(
                f"agent at {self._where} did not answer within {self.timeout:g} s") from None
        except (aiohttp.ClientError, OSError) as exc:
            raise AgentUnavailable(self._describe(exc)) from None
        if status >= 400:
            raise _http_error(status, raw)
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise AgentFailed(f"the agent at {self._where} answered with something that is "
                              "not JSON") from None

    # -- the update stream ------------------------------------------------------------------

    def updates(self, read_timeout: float | None = None
                ) -> AsyncGenerator[dict[str, Any], None]:
        """The agent's updates, first the current state. No limit on the whole stream;
        `read_timeout` limits each silence (the agent sends a keepalive every 15 s by
        default, so use more than that). To stop early, aclose() the generator
        (contextlib.aclosing) or close the client."""
        return self._lines("GET", "/v1/updates", None, read_timeout)

    async def _lines(self, method: str, route: str, body: dict[str, Any] | None,
                     read_timeout: float | None) -> AsyncGenerator[dict[str, Any], None]:
        """One NDJSON answer, an object a line, as the lines come."""
        limit = aiohttp.ClientTimeout(total=None, connect=self.timeout,
                                      sock_connect=self.timeout, sock_read=read_timeout)
        try:
            async with self._get_session().request(method, BASE + route, json=body,
                                                    timeout=limit) as resp:
                if resp.status >= 400:
                    raise _http_error(resp.status, await resp.read())
                self._streams.add(resp.content)
                try:
                    buffer = b""
                    async for chunk in resp.content.iter_any():
                        buffer += chunk
                        *lines, buffer = buffer.split(b"\n")
                        if len(buffer) > MAX_LINE:
                            raise AgentFailed(f"the agent at {self._where} sent an update "
                                              f"over {MAX_LINE} bytes")
                        for line in lines:
                            if line.strip():  # empty lines are keepalives
                                yield _update(line, self._where)
                    if buffer.strip():
                        yield _update(buffer, self._where)
                finally:
                    self._streams.discard(resp.content)
        except _StreamClosed:
            return  # we closed the client: the stream is over, as asked
        except TimeoutError:
            raise AgentUnavailable(f"agent at {self._where} sent nothing for "
                                   f"{read_timeout or self.timeout:g} s") from None
        except aiohttp.ClientPayloadError:
            raise AgentUnavailable(f"the answer from {self._where} was cut off") from None
        except (aiohttp.ClientError, OSError) as exc:
            raise AgentUnavailable(self._describe(exc)) from None

    def _describe(self, exc: BaseException) -> str:
        """One line naming what went wrong and where."""
        where = self._where
        cause: BaseException = exc
        if isinstance(exc, aiohttp.ClientConnectorError):
            cause = exc.os_error
        if isinstance(cause, FileNotFoundError):
            return f"no agent at {where} (no such file)"
        if isinstance(cause, PermissionError):
            return f"permission denied on {where}"
        if isinstance(cause, ConnectionRefusedError):
            with contextlib.suppress(OSError):
                if not stat.S_ISSOCK(os.stat(self.path).st_mode):
                    return f"{where} is not a socket"
            return f"no agent answers at {where} (connection refused)"
        if isinstance(exc, aiohttp.ServerDisconnectedError):
            return f"the agent at {where} closed the connection"
        text = getattr(cause, "strerror", None) or str(cause) or type(cause).__name__
        return f"cannot reach the agent at {where}: {one_line(text, _MESSAGE_LIMIT)}"


def absent(reason: str) -> bool:
    """No agent is there at all (as opposed to one this account may not reach)."""
    return reason == "--no-agent" or "(no such file)" in reason or \
        "(connection refused)" in reason


async def agent_reason(path: Path | None, timeout: float = 5.0) -> str:
    """"" when an agent answers at `path`, else why not (for the line that says so)."""
    if path is None:
        return "--no-agent"
    try:
        async with AgentClient(path, timeout=timeout) as client:
            await client.info()
    except AgentUnavailable as exc:
        return exc.reason
    except Exception as exc:  # an answer that is not the agent's: not one to attach to
        return one_line(f"{path} did not answer as an agent ({exc or type(exc).__name__})")
    return ""


async def agent_answers(path: Path, timeout: float = 1.0) -> bool:
    """Whether an agent answers on `path` (its /v1/agent, within `timeout`)."""
    try:
        async with AgentClient(path, timeout) as client:
            await client.info()
    except (AgentUnavailable, AgentFailed, AgentRefused):
        return False
    return True


def _http_error(status: int, raw: bytes) -> Exception:
    try:
        message = json.loads(raw).get("error")
    except (ValueError, UnicodeDecodeError, AttributeError):
        message = None
    if not isinstance(message, str) or not message:
        message = f"HTTP {status}"
    message = one_line(message, _MESSAGE_LIMIT)
    if status == 403:
        return AgentRefused(message)
    return AgentFailed(message, status)


def _object(answer: Any) -> dict[str, Any]:
    if not isinstance(answer, dict):
        raise AgentFailed("the agent's answer is not a JSON object")
    return answer


def _message(answer: Any) -> str:
    message = _object(answer).get("message")
    return one_line(message, _MESSAGE_LIMIT) if isinstance(message, str) else ""


def _update(line: bytes, where: str) -> dict[str, Any]:
    try:
        item = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        raise AgentFailed(f"the agent at {where} sent an update that is not JSON") from None
    if not isinstance(item, dict):
        raise AgentFailed(f"the agent at {where} sent an update that is not an object")
    return item
