"""The agent's socket file: made with exact rights before it listens, never taken from a live
agent, and removed at the end only while it is still the one this agent made.

Access is the socket file's: mode 0660, owned by the agent's user and (optionally) a group."""

from __future__ import annotations

import asyncio
import contextlib
import grp
import os
import socket
import stat
from pathlib import Path

from fintui.agent.backend import AgentError
from fintui.core.text_safety import one_line

SOCKET_MODE = 0o660
DIR_MODE = 0o750
MAX_SOCKET_PATH = 107  # sun_path is 108 bytes with its terminating NUL


class AgentRunning(AgentError):
    """Another agent answers on the socket path: this one must not take it over."""


class SocketFile:
    def __init__(self, path: Path, group: str = "") -> None:
        self.path = path
        self.group = group
        self._bound: tuple[int, int] | None = None  # (st_dev, st_ino) of the socket we made

    async def open(self) -> socket.socket:
        """A bound socket with its final mode and group, not yet listening; AgentError (or
        AgentRunning) says why not."""
        gid = _group_id(self.group) if self.group else -1  # before touching anything
        if len(os.fsencode(self.path)) > MAX_SOCKET_PATH:
            raise AgentError(f"socket path too long ({len(os.fsencode(self.path))} bytes, "
                             f"at most {MAX_SOCKET_PATH}): {one_line(str(self.path))}")
        self._make_parent(gid)
        await self._clear_stale()
        return self._bind(gid)

    def _make_parent(self, gid: int) -> None:
        parent = self.path.parent
        if parent.exists():
            return
        parent.mkdir(parents=True, exist_ok=True)
        os.chmod(parent, DIR_MODE)  # mkdir's mode is cut by the umask; this is exact
        if gid >= 0:  # the group must be able to reach the socket inside
            try:
                os.chown(parent, -1, gid)
            except OSError as exc:
                raise AgentError(f"cannot give {one_line(str(parent))} to group "
                                 f"{self.group!r}: {exc.strerror or exc}") from None

    async def _clear_stale(self) -> None:
        """A socket left by a killed agent is removed; a live one is not ours to take."""
        try:
            mode = os.lstat(self.path).st_mode
        except FileNotFoundError:
            return
        where = one_line(str(self.path))
        if not stat.S_ISSOCK(mode):
            raise AgentError(f"{where} exists and is not a socket: not removing it")
        answered = await asyncio.to_thread(_something_answers, self.path)
        if answered is None:
            raise AgentError(f"permission denied on {where}: cannot tell whether an agent "
                             "serves it")
        if answered:
            raise AgentRunning(f"an agent already serves {where}")
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _bind(self, gid: int) -> socket.socket:
        """Bind, set mode and group, and only then listen (in SockSite): no moment when
        the socket takes connections with looser rights."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind(str(self.path))
            info = os.stat(self.path)
            self._bound = (info.st_dev, info.st_ino)
            os.chmod(self.path, SOCKET_MODE)
            if gid >= 0:
                os.chown(self.path, -1, gid)
        except OSError as exc:
            sock.close()
            self.remove()
            what = f"give it to group {self.group!r}" if self._bound else "bind"
            raise AgentError(f"cannot {what} on {one_line(str(self.path))}: "
                             f"{exc.strerror or exc}") from None
        sock.setblocking(False)
        return sock

    def remove(self) -> None:
        """Unlink the socket file, unless another agent has replaced it since."""
        if self._bound is None:
            return
        try:
            info = os.lstat(self.path)
            if (info.st_dev, info.st_ino) == self._bound:
                self.path.unlink()
        except FileNotFoundError:
            pass
        self._bound = None


def _group_id(name: str) -> int:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise AgentError(f"unknown group {name!r} in [agent] group") from None


def _something_answers(path: Path, timeout: float = 0.5) -> bool | None:
    """True if a process accepts connections on `path`, False if none does (a stale file),
    None if we may not even try (permission denied)."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(timeout)
    try:
        probe.connect(str(path))
    except (ConnectionRefusedError, FileNotFoundError):
        return False
    except PermissionError:
        return None
    except TimeoutError:  # a full backlog: someone is there, just busy
        return True
    finally:
        probe.close()
    return True
