"""Docker's timestamps and endpoint URLs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fintui.sources.engine_client import parse_endpoint
from fintui.sources.ssh_relay import ssh_command
from fintui.timeparse import parse_docker_time


def test_nanosecond_timestamps_and_zero_time() -> None:
    parsed = parse_docker_time("2026-11-22T11:05:01.123456789Z")
    assert parsed == datetime(2026, 11, 22, 11, 5, 1, 123456, tzinfo=UTC)
    assert parse_docker_time("2026-11-22T11:05:01Z") == datetime(2026, 11, 22, 11, 5, 1,
                                                                tzinfo=UTC)
    assert parse_docker_time("0001-01-01T00:00:00Z") is None
    assert parse_docker_time("") is None and parse_docker_time("garbage") is None
    assert parse_docker_time(1_700_000_000) == datetime.fromtimestamp(1_700_000_000, UTC)


def test_endpoints() -> None:
    unix = parse_endpoint("unix:///var/run/docker.sock", env={})
    assert unix.socket_path == "/var/run/docker.sock" and unix.tls is None
    tcp = parse_endpoint("tcp://10.1.2.3:2375", env={})
    assert tcp.base == "http://10.1.2.3:2375" and not tcp.socket_path
    assert parse_endpoint("tcp://box", env={}).base == "http://box:2375"
    with pytest.raises(ValueError, match="unsupported"):
        parse_endpoint("ftp://box", env={})
    ssh = parse_endpoint("ssh://ops@box:2222", env={})
    assert ssh.ssh and not ssh.socket_path and ssh.where == "ssh://ops@box:2222"
    with pytest.raises(ValueError, match="no host"):
        parse_endpoint("tcp://", env={})


def test_tls_needs_the_certificates(tmp_path: object) -> None:
    with pytest.raises(OSError):
        parse_endpoint("tcp://box:2376", env={"DOCKER_TLS_VERIFY": "1",
                                              "DOCKER_CERT_PATH": "/nonexistent"})


def test_a_configured_cert_folder_turns_tls_on(tmp_path: object) -> None:
    with pytest.raises(OSError):  # the folder's certificates are loaded, and must exist
        parse_endpoint("tcp://box:2376", env={}, cert_path="/nonexistent")


def test_ssh_runs_dial_stdio_without_ever_prompting() -> None:
    assert ssh_command("ssh://ops@desk-b.example:2222", 3.0) == [
        "ssh", "-T", "-o", "BatchMode=yes", "-o", "ConnectTimeout=3", "-p", "2222", "--",
        "ops@desk-b.example", "docker", "system", "dial-stdio"]
    assert ssh_command("ssh://box", 0.2)[-5:] == ["ConnectTimeout=1", "--", "box", "docker",
                                                   "system", "dial-stdio"][-5:]
    with pytest.raises(ValueError, match="no host"):
        ssh_command("ssh://", 3.0)
