"""Docker CLI contexts pick the daemon (`--context NAME`, DOCKER_CONTEXT, `docker context use`),
in the docker CLI's order with fintui's own settings in it; no daemon needed here.

Every test has its own DOCKER_CONFIG and HOME: the user's ~/.docker is never read or written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from docker.context import ContextAPI
from docker.tls import TLSConfig

from fintui.config import Settings, load_settings
from fintui.sources.docker_context import ContextError, docker_target
from fintui.sources.engine_client import parse_endpoint


@pytest.fixture
def docker_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "docker-config"
    folder.mkdir()
    (folder / "config.json").write_text("{}", encoding="utf-8")
    monkeypatch.setenv("DOCKER_CONFIG", str(folder))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"):
        monkeypatch.delenv(name, raising=False)
    yield folder


@pytest.fixture
def settings() -> Settings:
    return load_settings(None)


def with_host(settings: Settings, host: str) -> Settings:
    return replace(settings, docker=replace(settings.docker, host=host))


def test_a_named_context_gives_its_daemon(docker_config: Path, settings: Settings) -> None:
    ContextAPI.create_context("desk", host="unix:///run/desk/docker.sock")
    target = docker_target(None, "desk", settings)
    assert (target.url, target.cert_path, target.context) == \
        ("unix:///run/desk/docker.sock", "", "desk")


def test_docker_context_and_the_current_context_are_honoured(
        docker_config: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    ContextAPI.create_context("desk", host="unix:///run/desk/docker.sock")
    ContextAPI.create_context("risk", host="tcp://10.20.0.7:2375", skip_tls_verify=True)
    assert docker_target(None, None, settings).url == "unix:///var/run/docker.sock"
    ContextAPI.set_current_context("desk")  # what `docker context use desk` writes
    assert json.loads((docker_config / "config.json").read_text())["currentContext"] == "desk"
    assert docker_target(None, None, settings).url == "unix:///run/desk/docker.sock"
    monkeypatch.setenv("DOCKER_CONTEXT", "risk")  # the environment beats config.json
    assert docker_target(None, None, settings).url == "http://10.20.0.7:2375"
    monkeypatch.setenv("DOCKER_CONTEXT", "default")  # the CLI's own: the local socket
    assert docker_target(None, None, settings).url == "unix:///var/run/docker.sock"


def test_precedence_host_context_config_environment(
        docker_config: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    ContextAPI.create_context("desk", host="unix:///run/desk/docker.sock")
    ContextAPI.create_context("risk", host="tcp://10.20.0.7:2375", skip_tls_verify=True)
    ContextAPI.set_current_context("desk")
    monkeypatch.setenv("DOCKER_CONTEXT", "risk")
    monkeypatch.setenv("DOCKER_HOST", "unix:///run/env/docker.sock")
    configured = with_host(settings, "unix:///run/config/docker.sock")
    # --host beats everything, and --context beats the config and the environment
    assert docker_target("unix:///run/cli.sock", None, configured).url == "unix:///run/cli.sock"
    assert docker_target(None, "desk", configured).url == "unix:///run/desk/docker.sock"
    # the config's own host beats what the shell carries
    assert docker_target(None, None, configured).url == "unix:///run/config/docker.sock"
    # then DOCKER_HOST beats DOCKER_CONTEXT (as in the docker CLI), which beats config.json
    assert docker_target(None, None, settings).url == "unix:///run/env/docker.sock"
    monkeypatch.delenv("DOCKER_HOST")
    assert docker_target(None, None, settings).url == "http://10.20.0.7:2375"
    with pytest.raises(ContextError, match=r"^--host and --context together"):
        docker_target("unix:///run/cli.sock", "desk", settings)


def test_an_unknown_context_names_itself(docker_config: Path, settings: Settings,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ContextError, match=r"^--context nope: no such Docker context"):
        docker_target(None, "nope", settings)
    monkeypatch.setenv("DOCKER_CONTEXT", "gone")
    with pytest.raises(ContextError, match=r"^DOCKER_CONTEXT: gone: no such Docker context"):
        docker_target(None, None, settings)


def _certificates(folder: Path) -> None:
    """A CA and a client certificate it signed, as ca.pem, cert.pem and key.pem."""
    folder.mkdir(parents=True)

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem",
            "-out", "ca.pem", "-days", "1", "-subj", "/CN=fintui test CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "client.csr",
            "-subj", "/CN=fintui test client")
    openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem",
            "-CAcreateserial", "-out", "cert.pem", "-days", "1")


def test_a_context_with_tls_material_connects_with_it(
        docker_config: Path, settings: Settings, tmp_path: Path) -> None:
    certs = tmp_path / "certs"
    _certificates(certs)
    tls = TLSConfig(client_cert=(str(certs / "cert.pem"), str(certs / "key.pem")),
                    ca_cert=str(certs / "ca.pem"), verify=True)
    ContextAPI.create_context("secure", host="tcp://10.20.0.9:2376", tls_cfg=tls)
    target = docker_target(None, "secure", settings)
    assert target.url == "https://10.20.0.9:2376"  # how the package writes tcp:// with TLS
    # the context's own copy of the certificates, kept in the temporary DOCKER_CONFIG
    assert Path(target.cert_path).is_relative_to(docker_config)
    assert sorted(p.name for p in Path(target.cert_path).iterdir()) == \
        ["ca.pem", "cert.pem", "key.pem"]
    endpoint = parse_endpoint(target.url, env={}, cert_path=target.cert_path)
    assert endpoint.tls is not None and endpoint.base == "https://10.20.0.9:2376"


def fintui(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fintui", *args], capture_output=True,
                          text=True, timeout=60, env=env)


def cli_env(docker_config: Path, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY")}
    env.update(DOCKER_CONFIG=str(docker_config), HOME=str(tmp_path / "home"),
               XDG_CONFIG_HOME=str(tmp_path / "xdg-config"),
               XDG_STATE_HOME=str(tmp_path / "xdg-state"),
               XDG_RUNTIME_DIR=str(tmp_path / "xdg-run"), **extra)
    return env


@pytest.mark.parametrize("argv", [["--context", "nope", "status"],
                                  ["--context", "nope", "audit", "verify"],
                                  ["--host", "unix:///x.sock", "--context", "nope", "status"]])
def test_a_bad_context_is_one_line_and_exit_2(docker_config: Path, tmp_path: Path,
                                              argv: list[str]) -> None:
    result = fintui(*argv, env=cli_env(docker_config, tmp_path))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(("fintui: --context nope: no such Docker context",
                                "fintui: --host and --context together"))


def test_docker_context_naming_nothing_is_exit_2(docker_config: Path, tmp_path: Path) -> None:
    result = fintui("status", env=cli_env(docker_config, tmp_path, DOCKER_CONTEXT="nope"))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"fintui: DOCKER_CONTEXT: nope: no such Docker context (contexts are read from "
        f"{docker_config / 'contexts'})"]


def test_status_goes_to_the_context_daemon(docker_config: Path, tmp_path: Path) -> None:
    """No daemon here: the error names the context's socket, so that is where it went."""
    sock = tmp_path / "desk.sock"
    ContextAPI.create_context("desk", host=f"unix://{sock}")
    for argv, extra in ((["--context", "desk"], {}), ([], {"DOCKER_CONTEXT": "desk"})):
        result = fintui(*argv, "status", "--json",
                        env=cli_env(docker_config, tmp_path, **extra))
        assert result.returncode == 1
        assert result.stderr.strip() == f"fintui: disconnected: no Docker daemon socket at {sock}"
        assert json.loads(result.stdout)["source"]["endpoint"] == f"unix://{sock}"


def test_docker_is_imported_only_when_a_context_is_read(docker_config: Path,
                                                        tmp_path: Path) -> None:
    code = ("import sys\nfrom fintui.config import load_settings\n"
            "from fintui.sources.docker_context import docker_target\n"
            "print(docker_target(None, None, load_settings(None)).url, 'docker' in sys.modules)")

    def run(**extra: str) -> str:
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True, env=cli_env(docker_config, tmp_path, **extra)
                              ).stdout.strip()

    assert run() == "unix:///var/run/docker.sock False"
    ContextAPI.create_context("desk", host="unix:///run/desk/docker.sock")
    ContextAPI.set_current_context("desk")
    assert run() == "unix:///run/desk/docker.sock True"


def test_a_context_is_found_when_no_config_json_was_ever_written(
        docker_config: Path, settings: Settings, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`docker context create` writes no config.json (only `docker context use` does), and the
    package then looks for contexts in ./contexts: a context just made was 'no such context'."""
    certs = tmp_path / "certs"
    _certificates(certs)
    tls = TLSConfig(client_cert=(str(certs / "cert.pem"), str(certs / "key.pem")),
                    ca_cert=str(certs / "ca.pem"), verify=True)
    ContextAPI.create_context("desk", host="unix:///run/desk/docker.sock")
    ContextAPI.create_context("secure", host="tcp://10.20.0.9:2376", tls_cfg=tls)
    (docker_config / "config.json").unlink()
    monkeypatch.chdir(tmp_path)  # anywhere but the docker folder
    assert docker_target(None, "desk", settings).url == "unix:///run/desk/docker.sock"
    secure = docker_target(None, "secure", settings)
    assert secure.url == "https://10.20.0.9:2376"
    assert Path(secure.cert_path).is_absolute()
    assert Path(secure.cert_path).is_relative_to(docker_config)
    assert Path.cwd() == tmp_path  # the folder it read from was left again
    with pytest.raises(ContextError, match=r"nosuch: no such Docker context \(contexts are read "
                                           rf"from {docker_config / 'contexts'}\)"):
        docker_target(None, "nosuch", settings)
