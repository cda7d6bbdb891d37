"""ssh:// endpoints the way the docker CLI reaches them: every connection runs
`ssh user@host docker system dial-stdio` and relays the bytes. The console's HTTP client talks
to a private unix socket of ours, so nothing else in fintui knows the daemon is remote."""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import shutil
import tempfile
from urllib.parse import urlsplit

CHUNK = 65536


def ssh_command(url: str, connect_timeout: float) -> list[str]:
    """The ssh command line for ssh://[user@]host[:port]. BatchMode: a console must never
    stop to ask for a password it cannot show; keys or an agent are expected."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise ValueError(f"no host in {url!r}")
    destination = f"{parts.username}@{parts.hostname}" if parts.username else parts.hostname
    command = ["ssh", "-T", "-o", "BatchMode=yes",
               "-o", f"ConnectTimeout={max(1, math.ceil(connect_timeout))}"]
    if parts.port:
        command += ["-p", str(parts.port)]
    return [*command, "--", destination, "docker", "system", "dial-stdio"]


class SshRelay:
    def __init__(self, url: str, connect_timeout: float) -> None:
        self.command = ssh_command(url, connect_timeout)
        self.destination = self.command[-4]
        self.last_error = ""  # ssh's own last words (auth refused, host unknown), for the header
        self._dir = ""
        self._server: asyncio.AbstractServer | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def path(self) -> str:
        return os.path.join(self._dir, "docker.sock")

    async def ensure(self) -> str:
        """The relay's socket path, serving from now on."""
        if self._server is None:
            if shutil.which(self.command[0]) is None:
                self.last_error = "no ssh client installed"
            self._dir = tempfile.mkdtemp(prefix="fintui-ssh-")  # 0700: ours alone
            self._server = await asyncio.start_unix_server(self._serve, path=self.path)
        return self.path

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)
        try:
            await self._relay(reader, writer)
        except asyncio.CancelledError:
            # The loop is closing (fintui status is done): end quietly. A cancelled handler
            # task makes asyncio's stream callback print a traceback.
            writer.close()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, start_new_session=True)
        except OSError as exc:
            self.last_error = f"cannot run ssh: {exc.strerror or exc}"
            writer.close()
            return
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        stdin, stdout, stderr = proc.stdin, proc.stdout, proc.stderr

        async def upstream() -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await reader.read(CHUNK):
                    stdin.write(data)
                    await stdin.drain()
            with contextlib.suppress(ConnectionError, OSError):
                stdin.close()

        async def downstream() -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await stdout.read(CHUNK):
                    writer.write(data)
                    await writer.drain()
            writer.close()

        async def errors() -> None:
            text = (await stderr.read()).decode("utf-8", "replace").strip()
            if text:
                self.last_error = text.splitlines()[-1]

        tasks = [asyncio.ensure_future(job()) for job in (upstream, downstream, errors)]
        try:
            await asyncio.wait(tasks[1:], return_when=asyncio.ALL_COMPLETED)
            if await proc.wait() == 0:
                self.last_error = ""
        finally:
            for task in tasks:
                task.cancel()
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        handlers = list(self._handlers)  # connections still relaying: end them (and ssh) now
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = ""
