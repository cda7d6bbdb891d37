"""One GET to the agent with the standard library: `status --json` through the agent starts
in a fraction of the time that importing aiohttp alone takes (a runbook calls it often)."""

from __future__ import annotations

import http.client
import json
import socket
from pathlib import Path
from typing import Any


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__("agent", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(str(self.path))
        except OSError:
            sock.close()
            raise
        self.sock = sock


class AgentStarting(ValueError):
    """The agent answers but has not swept yet (503): ask again in a moment."""


def get_json(path: Path, route: str, timeout: float = 10.0) -> Any:
    """The agent's JSON answer to GET `route`. OSError when it does not answer; ValueError
    when the answer is not a 200 with JSON (the caller then does without the agent)."""
    connection = _UnixConnection(path, timeout)
    try:
        connection.request("GET", route)
        answer = connection.getresponse()
        body = answer.read()
        if answer.status == 503:
            raise AgentStarting("the agent has not finished its first sweep")
        if answer.status != 200:
            raise ValueError(f"the agent answered {answer.status}")
        return json.loads(body)
    finally:
        connection.close()
