"""Start a real `fintui serve` on the demo cluster and read its address (with the token)
from the banner it prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

from tests.browser.chromium import free_port, wait_for_port

SNAPSHOT_CONFIG = Path(__file__).resolve().parent.parent / "sample-configs" / "snapshot.toml"
BANNER = re.compile(r"fintui serve: (http://.+) \(((?:read-only|ACTIONS ALLOWED)[^)]*)\); ctrl")


class Served:
    def __init__(self, process: subprocess.Popen[str], url: str, mode: str, port: int) -> None:
        self.process = process
        self.url = url  # with ?token=…
        self.mode = mode
        self.port = port
        self.origin = f"http://127.0.0.1:{port}"
        self.token = url.split("token=", 1)[1] if "token=" in url else ""

    def stderr_after_stop(self) -> str:
        """Everything the server wrote after its banner, once it has been stopped."""
        self.process.terminate()
        _out, err = self.process.communicate(timeout=20)
        return err or ""

    def ws(self, token: str | None = None) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/{self.token if token is None else token}"

    def consoles(self) -> list[psutil.Process]:
        """The console processes this server has started and that still run."""
        try:
            return [c for c in psutil.Process(self.process.pid).children(recursive=True)
                    if c.status() != psutil.STATUS_ZOMBIE]
        except psutil.NoSuchProcess:
            return []


@contextmanager
def fintui_serve(tmp_path: Path, *extra: str, config: Path = SNAPSHOT_CONFIG,
                 before: tuple[str, ...] = (), port: int | None = None) -> Iterator[Served]:
    """`fintui --demo --config CONFIG BEFORE… serve --port P EXTRA…`"""
    port = free_port() if port is None else port
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_STATE_HOME": str(tmp_path / "state"), "PYTHONUNBUFFERED": "1"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "fintui", "--demo", "--config", str(config), *before, "serve",
         "--port", str(port), *extra], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        match = BANNER.search(line)
        assert match, f"no banner: {line!r}"
        bound = int(match.group(1).split("/")[2].rsplit(":", 1)[1])  # port 0: the one chosen
        wait_for_port(bound, 30)
        yield Served(process, match.group(1), match.group(2), bound)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
