"""E on a real container: the console, in a real pseudo-terminal, hands its terminal to
`docker exec -it`, a command runs in the shell, the shell exits, and the console is drawn again
as it was (the same pane, filter and row); the shell is in the audit log with its end."""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import HOST, PREFIX

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(sys.platform != "linux", reason="needs a Linux pty")]

ESCAPES = re.compile(rb"\x1b(\[[0-9;?<>=:]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-B]|.)")
ALT_SCREEN = b"\x1b[?1049h"  # the console (re)enters its own screen


class Terminal:
    """The console in a pty of 100x30: type keys, wait for what it writes."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        self.process = subprocess.Popen([sys.executable, "-m", "fintui", *args], stdin=slave,
                                        stdout=slave, stderr=slave, env=env, close_fds=True,
                                        start_new_session=True)
        os.close(slave)
        self.output = bytearray()

    def read(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            readable, _, _ = select.select([self.master], [], [], 0.05)
            if readable:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                self.output += chunk

    def expect(self, found: Callable[[bytes], bool], seconds: float, what: str,
               since: int = 0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if found(bytes(self.output[since:])):
                return
            self.read(0.1)
        tail = plain(bytes(self.output[since:]))[-1500:]
        raise AssertionError(f"no {what} within {seconds}s; the terminal showed:\n{tail}")

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def close(self) -> int | None:
        if self.process.poll() is None:
            self.process.kill()
        code = self.process.wait(10)
        os.close(self.master)
        return code


def plain(output: bytes) -> str:
    """The text written, escape sequences taken out."""
    return ESCAPES.sub(b"", output).decode(errors="replace")


def console_on(tmp_path: Path, name: str) -> Terminal:
    """The console on the real daemon, its audit log in tmp_path/state, filtered to `name`
    (only our container on screen), settled."""
    config = tmp_path / "fintui.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path / "state"}"\n\n'
                      '[ui]\nrefresh_interval = 0.5\n', encoding="utf-8")
    env = {**os.environ, "TERM": "xterm-256color", "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
           "XDG_STATE_HOME": str(tmp_path / "st")}
    env.pop("NO_COLOR", None)
    term = Terminal(["--host", HOST, "--no-agent", "--config", str(config)], env)
    try:
        term.expect(lambda out: b" containers" in out, 30, "the container list")
        term.type(b"/")
        time.sleep(0.3)
        term.type(name.encode() + b"\r")
        term.expect(lambda out: b"1 of " in out, 10, "filtered list")
        term.read(1.0)  # the screen settles
    except BaseException:
        term.close()
        raise
    return term


def test_a_shell_opens_runs_a_command_and_the_console_comes_back(
        tmp_path: Path, run_container: Callable[..., Any]) -> None:
    container = run_container("shell", ["sleep", "600"])
    name = PREFIX + "shell"
    term = console_on(tmp_path, name)
    try:
        before = len(term.output)
        term.type(b"E")
        # busybox sh has no bash: the probe falls back to sh; its prompt is "/ # ".
        term.expect(lambda out: b"# " in out, 20, "shell prompt", since=before)
        term.type(b"echo shell-$((6*7)) in $(hostname)\r")
        term.expect(lambda out: b"shell-42 in " + container.id[:12].encode() in out, 10,
                    "command output", since=before)
        at_exit = len(term.output)
        term.type(b"exit\r")
        term.expect(lambda out: ALT_SCREEN in out and name.encode() in out, 20,
                    "the console redrawn", since=at_exit)
        term.read(1.5)
        # Back, the whole screen is drawn again: the same pane, filter and row as before.
        back = plain(bytes(term.output[at_exit:]))
        screen = back.split("\r\n")[1:31]
        assert "1 Containers" in screen[2]
        assert any(name in line and "▊" in line for line in screen)  # the filter field
        assert any(line.startswith(" " + name[:20]) and "running" in line for line in screen)
        # Other containers may run on this daemon: only ours is shown, whatever their count.
        summary = re.compile(r"1 of \d+ containers, \d+ running  ·  sort: Name ↑  ·  filter: "
                             + re.escape(name[:12]))
        assert any(summary.search(line) for line in screen)
        assert "s Scale" in back and "ended" in back and "(exit 0)" in back  # its notice
        term.type(b"q")
        term.expect(lambda out: term.process.poll() is not None, 15, "the console to quit")
        assert term.process.returncode == 0
    finally:
        term.close()
    records = [json.loads(line) for line in
               (tmp_path / "state" / "audit.jsonl").read_text().splitlines()]
    shell = [r for r in records if r["action"] == "shell"]
    assert [r["outcome"] for r in shell] == ["started", "ok"]
    started, ended = shell
    assert started["target"] == name == ended["target"]
    assert started["parameters"]["shell"] == "sh"
    assert started["parameters"]["container"] == container.id
    assert ended["result"]["exit_code"] == 0
    assert ended["result"]["ended"] >= started["time"]
    assert started["user"] and started["actor"]


def test_no_shell_in_the_container_is_said_plainly(run_container: Callable[..., Any]) -> None:
    import asyncio

    from fintui.ops.operations import Refused
    from fintui.ops.shell import docker_command, first_shell

    container = run_container("noshell", ["sleep", "600"])
    base = docker_command(HOST)
    assert asyncio.run(first_shell(base, container.id, "x", ("bash", "sh"))) == "sh"
    with pytest.raises(Refused, match=r"no shell in x: none of bash, zsh exists there"):
        asyncio.run(first_shell(base, container.id, "x", ("bash", "zsh")))
    container.stop(timeout=0)
    with pytest.raises(Refused, match=r"cannot open a shell in x: .*is not running"):
        asyncio.run(first_shell(base, container.id, "x", ("sh",)))


def test_keys_typed_with_e_are_not_the_consoles(tmp_path: Path,
                                                 run_container: Callable[..., Any]) -> None:
    """`Eq` in one read (a paste, a slow link): the shell opens once, the console does not
    quit under it, and it comes back after the shell saying the typed keys were dropped."""
    run_container("eq", ["sleep", "600"])
    name = PREFIX + "eq"
    term = console_on(tmp_path, name)
    try:
        before = len(term.output)
        term.type(b"EqE")
        term.expect(lambda out: b"# " in out, 20, "shell prompt", since=before)
        time.sleep(1.0)
        assert term.process.poll() is None, "q quit the console under the shell"
        at_exit = len(term.output)
        term.type(b"exit 4\r")
        term.expect(lambda out: b"dropped" in out, 20, "the console back", since=at_exit)
        assert term.process.poll() is None
    finally:
        term.close()
    records = [json.loads(line) for line in
               (tmp_path / "state" / "audit.jsonl").read_text().splitlines()]
    assert [(r["action"], r["outcome"]) for r in records] == [("shell", "started"),
                                                               ("shell", "ok")]
    assert records[-1]["result"]["exit_code"] == 4
