"""The CLI where no daemon answers: a clear line and exit 1, never a traceback or a hang."""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from fintui.sources.engine_client import describe_connection_error, parse_endpoint


def fintui(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
    return subprocess.run([sys.executable, "-m", "fintui", *args], capture_output=True,
                          text=True, timeout=60, env=env)


def test_missing_socket_is_reported_with_exit_1(tmp_path: Path) -> None:
    sock = tmp_path / "none.sock"
    result = fintui("--host", f"unix://{sock}", "status", "--json")
    assert result.returncode == 1
    assert result.stderr.strip() == f"fintui: disconnected: no Docker daemon socket at {sock}"
    doc = json.loads(result.stdout)
    assert doc["source"] == {"endpoint": f"unix://{sock}", "connected": False,
                             "error": f"no Docker daemon socket at {sock}",
                             "engine_version": None, "api_version": None}
    assert doc["containers"] == []


def test_socket_nobody_listens_on_is_connection_refused(tmp_path: Path) -> None:
    path = tmp_path / "dead.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    listener.close()  # the file stays, nothing accepts: what a killed dockerd leaves
    result = fintui("--host", f"unix://{path}", "status")
    assert result.returncode == 1
    assert f"connection refused by {path}" in result.stderr
    assert "DISCONNECTED" in result.stdout and "Traceback" not in result.stderr


def test_bad_host_url_is_usage_error() -> None:
    result = fintui("--host", "ftp://trader@box", "status")
    assert result.returncode == 2
    assert "unsupported Docker host 'ftp://trader@box'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(shutil.which("ssh") is None, reason="no ssh client installed")
def test_an_unreachable_ssh_host_says_what_ssh_said() -> None:
    result = fintui("--host", "ssh://trader@no-such-host.invalid", "status")
    assert result.returncode == 1
    assert result.stderr.startswith("fintui: disconnected: ssh to trader@no-such-host.invalid: ")
    assert "no-such-host.invalid" in result.stderr.split(": ", 3)[-1]  # ssh's own words
    assert "Traceback" not in result.stderr


def test_unknown_verb_and_missing_argument_exit_2() -> None:
    assert fintui("frobnicate").returncode == 2
    assert fintui("config").returncode == 2


def test_permission_denied_is_named() -> None:
    endpoint = parse_endpoint("unix:///var/run/docker.sock", env={})
    error = PermissionError(errno.EACCES, "Permission denied")
    assert describe_connection_error(endpoint, error) == \
        "permission denied on /var/run/docker.sock"


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="needs root and setpriv to run as another user")
def test_socket_permission_denied_for_an_unprivileged_user() -> None:
    # Under /tmp itself: pytest's own tmp_path sits in a folder only root may enter.
    tmp_path = Path(tempfile.mkdtemp(prefix="fintui-perm-", dir="/tmp"))
    tmp_path.chmod(0o755)
    path = tmp_path / "root-only.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    listener.listen(1)
    path.chmod(0o600)
    home = tmp_path / "home"
    home.mkdir(mode=0o777)
    as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable]
    env = {"HOME": str(home), "PATH": os.environ["PATH"],
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    try:
        probe = subprocess.run([*as_nobody, "-c", "import fintui.cli"], capture_output=True,
                               cwd=str(tmp_path), env=env, timeout=60)
        if probe.returncode != 0:
            pytest.skip("this checkout is not readable by an unprivileged user")
        result = subprocess.run([*as_nobody, "-m", "fintui", "--host", f"unix://{path}",
                                 "status"], capture_output=True, text=True, timeout=60,
                                cwd=str(tmp_path), env=env)
    finally:
        listener.close()
        shutil.rmtree(tmp_path, ignore_errors=True)
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == f"fintui: disconnected: permission denied on {path}"


def test_an_agent_named_that_is_not_there_is_an_error_not_a_quiet_fallback(
        tmp_path: Path) -> None:
    missing, plain = tmp_path / "none.sock", tmp_path / "file.sock"
    plain.write_text("")
    for path, why in ((missing, "(no such file)"), (plain, "is not a socket")):
        for verb in (["status"], ["status", "--json"], ["alerts"], ["scale", "a/b", "2"],
                     ["audit", "show"]):
            result = fintui("--agent", str(path), *verb)
            assert result.returncode == 1, (verb, result.stderr)
            assert result.stderr.startswith("fintui: cannot use the agent: ") and \
                why in result.stderr, (verb, result.stderr)
            assert result.stdout == ""


def test_ctrl_c_at_a_verbs_confirmation_cancels_at_once(tmp_path: Path) -> None:
    import pty
    import select
    import time

    config = tmp_path / "fintui.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path / "state"}"\n')
    pid, fd = pty.fork()
    if pid == 0:  # the child: a verb at a terminal, asking before it acts
        os.execv(sys.executable, [sys.executable, "-m", "fintui", "--demo", "--config",
                                  str(config), "isolate", "fix-gateway"])
    out = b""

    def read_until(done: bytes, seconds: float) -> None:
        nonlocal out
        deadline = time.monotonic() + seconds
        while done not in out and time.monotonic() < deadline:
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    out += os.read(fd, 4096)
                except OSError:  # the child ended
                    return

    read_until(b"Proceed? [y/N]", 30)
    assert b"Proceed? [y/N]" in out, out
    os.write(fd, b"\x03")
    read_until(b"cancelled", 10)
    _, status = os.waitpid(pid, 0)
    assert b"cancelled: nothing changed" in out, out
    assert os.waitstatus_to_exitcode(status) == 1
    assert not (tmp_path / "state" / "audit.jsonl").exists() or \
        b'"outcome": "started"' not in (tmp_path / "state" / "audit.jsonl").read_bytes()


@pytest.mark.parametrize("span", ["3000000d", "999999999999d", "366d"])
def test_a_silence_past_a_year_is_refused_in_one_line(tmp_path: Path, span: str) -> None:
    """A span past any date used to end in an OverflowError traceback."""
    result = fintui("--demo", "--no-agent", "silence", "crash-loop", "recon-worker",
                    "--for", span, "--comment", "x")
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == f"fintui: --for {span}: at most 365d (a page muted for " \
                                    "longer is a rule to change)"


def test_the_demo_leaves_no_temporary_folder_behind(tmp_path: Path) -> None:
    """Each demo run made two throwaway folders (its state, the seeded history) and kept them."""
    env = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
    env.update(TMPDIR=str(tmp_path), XDG_STATE_HOME=str(tmp_path / "state"),
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    result = subprocess.run([sys.executable, "-m", "fintui", "--demo", "status"],
                            capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("fintui-")) == []
