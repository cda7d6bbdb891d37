"""A small async client for the Docker Engine API over aiohttp: unix socket or TCP (with TLS).

Every failure becomes `DaemonUnavailable` (the daemon cannot be reached: show it, retry) or
`ApiError` (the daemon answered with an error status), each with a sentence for an operator.
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from fintui.sources.base import ActionFailed, SourceUnavailable
from fintui.sources.ssh_relay import SshRelay

# Newest API version we speak; a newer daemon is asked for this one, an older one for its own.
MAX_API_VERSION = (1, 45)


class DaemonUnavailable(SourceUnavailable):
    """The daemon could not be reached or did not answer in time."""


class DaemonRefused(DaemonUnavailable, ActionFailed):
    """The daemon answered with an error status: the one name of an API error on both sides
    of the boundary. A read it could not serve leaves the watch's source unavailable (with
    the daemon's words), an act it refused is an ActionFailed (with its status)."""

    def __init__(self, message: str, status: int = 0) -> None:
        ActionFailed.__init__(self, message, status)


class _StreamClosed(aiohttp.ClientConnectionError):
    """Put into an open stream's reader when its connection is closed under it."""


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message
        super().__init__(f"HTTP {status}: {message}")


@dataclass(frozen=True, slots=True)
class Endpoint:
    url: str  # as the user wrote it
    base: str  # what aiohttp requests go to
    socket_path: str = ""  # set for unix://
    tls: ssl.SSLContext | None = None
    ssh: bool = False  # ssh://: reached through an SshRelay's socket

    @property
    def where(self) -> str:
        """How errors name it: the socket, the address, or the ssh URL (never our relay)."""
        return self.url if self.ssh else (self.socket_path or self.base)


def parse_endpoint(url: str, env: Mapping[str, str] | None = None,
                   cert_path: str = "") -> Endpoint:
    """unix:///path, tcp://host:port (TLS when DOCKER_TLS_VERIFY is set or `cert_path` names
    the certificates), http(s)://host:port, ssh://[user@]host[:port]."""
    env = os.environ if env is None else env
    if cert_path:
        env = {**env, "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": os.path.expanduser(cert_path)}
    parts = urlsplit(url)
    if parts.scheme == "ssh":
        if not parts.hostname:
            raise ValueError(f"no host in {url!r}")
        return Endpoint(url=url, base="http://docker", ssh=True)
    if parts.scheme == "unix":
        path = parts.path or "/var/run/docker.sock"
        return Endpoint(url=url, base="http://docker", socket_path=path)
    if parts.scheme in ("tcp", "http", "https"):
        if not parts.hostname:
            raise ValueError(f"no host in {url!r}")
        port = parts.port or (2376 if env.get("DOCKER_TLS_VERIFY") else 2375)
        use_tls = parts.scheme == "https" or bool(env.get("DOCKER_TLS_VERIFY"))
        tls = _tls_context(env) if use_tls else None
        scheme = "https" if use_tls else "http"
        return Endpoint(url=url, base=f"{scheme}://{parts.hostname}:{port}", tls=tls)
    raise ValueError(f"unsupported Docker host {url!r}: use unix:///path, tcp://host:port "
                     "or ssh://user@host")


def _tls_context(env: Mapping[str, str]) -> ssl.SSLContext:
    cert_dir = env.get("DOCKER_CERT_PATH") or os.path.expanduser("~/.docker")
    context = ssl.create_default_context(cafile=os.path.join(cert_dir, "ca.pem"))
    context.load_cert_chain(os.path.join(cert_dir, "cert.pem"), os.path.join(cert_dir, "key.pem"))
    return context


def describe_connection_error(endpoint: Endpoint, exc: BaseException) -> str:
    """One sentence naming what went wrong and where, for the header and stderr."""
    where = endpoint.where
    cause: BaseException = exc
    if isinstance(exc, aiohttp.ClientConnectorError):
        cause = exc.os_error
    if isinstance(cause, PermissionError):
        return f"permission denied on {where}"
    if isinstance(cause, FileNotFoundError):
        return f"no Docker daemon socket at {where}"
    if isinstance(cause, ConnectionRefusedError):
        return f"connection refused by {where}"
    if isinstance(cause, asyncio.TimeoutError | TimeoutError):
        return f"daemon at {where} did not answer in time"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return f"daemon at {where} closed the connection"
    text = getattr(cause, "strerror", None) or str(cause) or type(cause).__name__
    return f"cannot reach daemon at {where}: {text}"


class EngineClient:
    def __init__(self, endpoint: Endpoint, request_timeout: float, connect_timeout: float) -> None:
        self.endpoint = endpoint
        self.request_timeout = request_timeout
        self.connect_timeout = connect_timeout
        self.api_version = ""
        self._session: aiohttp.ClientSession | None = None
        # Readers of the streams open now: closing the session closes their sockets, but
        # aiohttp never wakes a reader waiting on one, and it would wait forever.
        self._streams: set[aiohttp.StreamReader] = set()
        self._relay = SshRelay(endpoint.url, connect_timeout) if endpoint.ssh else None

    async def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector: aiohttp.BaseConnector
            socket_path = await self._relay.ensure() if self._relay else self.endpoint.socket_path
            if socket_path:
                # limit=0: no small pool; stats for hundreds of containers go out at once.
                connector = aiohttp.UnixConnector(path=socket_path, limit=0)
            else:
                connector = aiohttp.TCPConnector(limit=0, ssl=self.endpoint.tls or False)
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    async def close(self) -> None:
        for reader in self._streams:
            reader.set_exception(_StreamClosed())
        self._streams.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def shutdown(self) -> None:
        """close, and stop the ssh relay: the client is done for good."""
        await self.close()
        if self._relay is not None:
            await self._relay.close()

    def _unreachable(self, exc: BaseException) -> DaemonUnavailable:
        if self._relay is not None and self._relay.last_error:
            return DaemonUnavailable(f"ssh to {self._relay.destination}: "
                                     f"{self._relay.last_error}")
        return DaemonUnavailable(describe_connection_error(self.endpoint, exc))

    async def reset(self) -> None:
        """Drop pooled connections and the negotiated version (after the daemon went away)."""
        await self.close()
        self.api_version = ""

    def _url(self, path: str) -> str:
        prefix = f"/v{self.api_version}" if self.api_version else ""
        return f"{self.endpoint.base}{prefix}{path}"

    async def negotiate(self) -> dict[str, Any]:
        """GET /version unversioned and pick the API version both sides speak."""
        self.api_version = ""
        info = await self.get_json("/version")
        theirs = tuple(int(p) for p in str(info.get("ApiVersion", "1.41")).split("."))
        chosen = min(theirs, MAX_API_VERSION)
        self.api_version = f"{chosen[0]}.{chosen[1]}"
        return dict(info)

    def api_at_least(self, major: int, minor: int) -> bool:
        if not self.api_version:
            return False
        have = tuple(int(p) for p in self.api_version.split("."))
        return have >= (major, minor)

    async def request(
        self, method: str, path: str, params: Mapping[str, str] | None = None,
        body: Any = None, timeout: float | None = None, decode: bool = True,
    ) -> Any:
        """One request; returns decoded JSON, text, or None for an empty reply (with
        decode=False the body's bytes as they came)."""
        limit = timeout if timeout is not None else self.request_timeout
        client_timeout = aiohttp.ClientTimeout(total=limit, connect=self.connect_timeout)
        try:
            session = await self._get_session()
            async with session.request(
                method, self._url(path), params=params, json=body, timeout=client_timeout
            ) as resp:
                raw = await resp.read()
                if resp.status >= 400:
                    raise ApiError(resp.status, _error_message(raw, resp.reason))
                if not decode:
                    return raw
                if not raw:
                    return None
                if resp.content_type == "application/json":
                    return json.loads(raw)
                return raw.decode("utf-8", "replace")
        except ApiError:
            raise
        except TimeoutError:
            raise DaemonUnavailable(
                f"daemon at {self.endpoint.where} did not answer within {limit:g} s"
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise self._unreachable(exc) from None

    async def get_json(self, path: str, params: Mapping[str, str] | None = None,
                       timeout: float | None = None) -> Any:
        return await self.request("GET", path, params=params, timeout=timeout)

    async def stream(self, path: str, params: Mapping[str, str] | None = None
                     ) -> AsyncGenerator[bytes, None]:
        """A long-lived GET (events, followed logs): chunks until the daemon ends it."""
        client_timeout = aiohttp.ClientTimeout(total=None, connect=self.connect_timeout,
                                               sock_connect=self.connect_timeout)
        try:
            session = await self._get_session()
            async with session.get(
                self._url(path), params=params, timeout=client_timeout
            ) as resp:
                if resp.status >= 400:
                    raise ApiError(resp.status, _error_message(await resp.read(), resp.reason))
                self._streams.add(resp.content)
                try:
                    yield b""  # the daemon accepted: the stream is live from here
                    async for chunk in resp.content.iter_any():
                        yield chunk
                finally:
                    self._streams.discard(resp.content)
        except ApiError:
            raise
        except _StreamClosed:
            raise DaemonUnavailable(f"stream from daemon at {self.endpoint.where} cut: the "
                                    "connection was closed after the daemon stopped answering"
                                    ) from None
        except TimeoutError:
            raise DaemonUnavailable(f"daemon at {self.endpoint.where} did not answer") from None
        except (aiohttp.ClientError, OSError) as exc:
            raise self._unreachable(exc) from None


def _error_message(raw: bytes, reason: str | None) -> str:
    try:
        message = json.loads(raw).get("message")
    except (ValueError, AttributeError):
        message = None
    return str(message or raw.decode("utf-8", "replace").strip() or reason or "error")
