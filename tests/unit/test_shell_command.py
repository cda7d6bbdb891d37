"""The docker command a console's shell runs: through the row's endpoint, as fintui reaches
it (unix socket, tcp with its certificates, ssh)."""

from __future__ import annotations

import pytest

from fintui.ops.operations import Refused
from fintui.ops.shell import docker_command, exec_command


def test_a_unix_socket_and_an_ssh_endpoint_are_passed_as_they_are() -> None:
    assert docker_command("unix:///run/user/1000/docker.sock") == [
        "docker", "-H", "unix:///run/user/1000/docker.sock"]
    assert docker_command("ssh://ops@gpu-7:2222", docker="/usr/bin/docker") == [
        "/usr/bin/docker", "-H", "ssh://ops@gpu-7:2222"]


def test_tcp_with_a_certificate_folder_verifies_with_its_three_files() -> None:
    assert docker_command("tcp://10.0.0.5:2376", "/etc/fintui/certs") == [
        "docker", "--tlsverify", "--tlscacert", "/etc/fintui/certs/ca.pem",
        "--tlscert", "/etc/fintui/certs/cert.pem", "--tlskey", "/etc/fintui/certs/key.pem",
        "-H", "tcp://10.0.0.5:2376"]


def test_http_and_https_become_the_docker_clis_tcp() -> None:
    assert docker_command("http://desk:2375") == ["docker", "-H", "tcp://desk:2375"]
    assert docker_command("https://desk") == ["docker", "--tlsverify", "-H", "tcp://desk"]


def test_an_endpoint_no_docker_cli_reaches_is_refused_plainly() -> None:
    with pytest.raises(Refused, match="cannot reach the endpoint npipe"):
        docker_command("npipe:////./pipe/docker_engine")


def test_the_shell_gets_a_terminal() -> None:
    assert exec_command(["docker", "-H", "unix:///s"], "abc123", "sh") == [
        "docker", "-H", "unix:///s", "exec", "-it", "abc123", "sh"]
