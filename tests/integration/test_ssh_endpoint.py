"""ssh://user@host endpoints, end to end: a private sshd of the test's own on a loopback port,
the real ssh client, `docker system dial-stdio` on the far side, the real daemon behind it."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import PREFIX, unavailable

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """(port, a folder whose `ssh` uses the test's key): nothing in ~/.ssh is read or changed."""
    sshd_bin = shutil.which("sshd") or ("/usr/sbin/sshd" if os.path.exists("/usr/sbin/sshd")
                                        else None)
    missing = [tool for tool, path in (("sshd", sshd_bin), ("ssh", shutil.which("ssh")),
                                       ("ssh-keygen", shutil.which("ssh-keygen")),
                                       ("docker CLI", shutil.which("docker"))) if not path]
    if missing:
        unavailable(f"{', '.join(missing)} not installed (apt-get install openssh-server)")
    if os.geteuid() != 0:
        unavailable("the private sshd needs root")
    assert sshd_bin is not None
    for key in ("host", "user"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                        str(tmp_path / key)], check=True)
    (tmp_path / "authorized_keys").write_text((tmp_path / "user.pub").read_text())
    port = free_port()
    config = tmp_path / "sshd_config"
    config.write_text(f"Port {port}\nListenAddress 127.0.0.1\nHostKey {tmp_path / 'host'}\n"
                      f"AuthorizedKeysFile {tmp_path / 'authorized_keys'}\nStrictModes no\n"
                      "PasswordAuthentication no\nPermitRootLogin prohibit-password\n"
                      "UsePAM no\nPidFile none\n")
    os.makedirs("/run/sshd", exist_ok=True)  # privilege separation directory
    with open(tmp_path / "sshd.log", "wb") as log:
        proc = subprocess.Popen([sshd_bin, "-D", "-e", "-f", str(config)],
                                stdout=subprocess.DEVNULL, stderr=log)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "ssh"
    wrapper.write_text(f"#!/bin/sh\nexec {shutil.which('ssh')} -i {tmp_path / 'user'} "
                       "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
                       "-o LogLevel=ERROR \"$@\"\n")
    wrapper.chmod(0o755)
    try:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield port, bin_dir
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def fintui(bin_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return subprocess.run([sys.executable, "-m", "fintui", *args], capture_output=True,
                          text=True, timeout=60, env=env)


def test_status_through_ssh_matches_the_daemon(sshd: tuple[int, Path],
                                               run_container: Callable[..., Any]) -> None:
    port, bin_dir = sshd
    probe = run_container("ssh-probe", ["sleep", "600"], network_mode="none")
    result = fintui(bin_dir, "--host", f"ssh://root@127.0.0.1:{port}", "status", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["source"]["connected"] and doc["source"]["endpoint"].startswith("ssh://")
    found = {c["name"]: c for c in doc["containers"]}
    assert found[PREFIX + "ssh-probe"]["id"] == probe.id
    assert found[PREFIX + "ssh-probe"]["state"] == "running"


def test_refused_ssh_login_is_said_plainly(sshd: tuple[int, Path], tmp_path: Path) -> None:
    port, _ = sshd
    plain = tmp_path / "plain-bin"  # an ssh without the test's key: the login is refused
    plain.mkdir()
    (plain / "ssh").write_text(f"#!/bin/sh\nexec {shutil.which('ssh')} -o IdentitiesOnly=yes "
                               "-o IdentityFile=/dev/null -o StrictHostKeyChecking=no "
                               "-o UserKnownHostsFile=/dev/null \"$@\"\n")
    (plain / "ssh").chmod(0o755)
    result = fintui(plain, "--host", f"ssh://nobody-here@127.0.0.1:{port}", "status")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(
        "fintui: disconnected: ssh to nobody-here@127.0.0.1: ")
    assert "Permission denied" in result.stderr
