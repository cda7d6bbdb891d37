"""A Docker CLI context reaches the real daemon: `--context NAME`, DOCKER_CONTEXT and the
current context of `docker context use`, each in a temporary DOCKER_CONFIG (the user's
~/.docker is never read or written).

The context names the daemon's socket through a link in the test's own folder, so the status
document's endpoint shows that the context, not the default socket, was followed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from docker.context import ContextAPI

from tests.integration.conftest import HOST, PREFIX

pytestmark = pytest.mark.integration


@pytest.fixture
def context_env(client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                ) -> tuple[str, str, dict[str, str]]:
    """(context name, its URL, the environment for fintui) for a context made here."""
    if not HOST.startswith("unix://"):
        pytest.skip(f"the daemon is at {HOST}: this test links to a unix socket")
    config = tmp_path / "docker-config"
    config.mkdir()
    (config / "config.json").write_text("{}", encoding="utf-8")
    link = tmp_path / "d.sock"
    link.symlink_to(HOST.removeprefix("unix://"))
    name, url = f"{PREFIX}ctx", f"unix://{link}"
    monkeypatch.setenv("DOCKER_CONFIG", str(config))  # where ContextAPI writes, in this test
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    ContextAPI.create_context(name, host=url)
    env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_HOST", "DOCKER_CONTEXT")}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "xdg-config"),
               XDG_STATE_HOME=str(tmp_path / "xdg-state"),
               XDG_RUNTIME_DIR=str(tmp_path / "xdg-run"))
    return name, url, env


def status(env: dict[str, str], *argv: str) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-m", "fintui", *argv, "--no-agent", "status",
                             "--json"], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_context_flag_reaches_the_daemon(context_env: tuple[str, str, dict[str, str]],
                                         client: Any) -> None:
    name, url, env = context_env
    source = status(env, "--context", name)["source"]
    assert source["endpoint"] == url and source["connected"] is True
    assert source["engine_version"] == client.version()["Version"]


def test_docker_context_variable_reaches_the_daemon(
        context_env: tuple[str, str, dict[str, str]]) -> None:
    name, url, env = context_env
    source = status({**env, "DOCKER_CONTEXT": name})["source"]
    assert source["endpoint"] == url and source["connected"] is True


def test_current_context_reaches_the_daemon(context_env: tuple[str, str, dict[str, str]]
                                            ) -> None:
    name, url, env = context_env
    docker = shutil.which("docker")
    if docker is not None:  # the CLI's own `docker context use`, as an operator would
        subprocess.run([docker, "context", "use", name], check=True, capture_output=True,
                       env=env, timeout=30)
    else:
        ContextAPI.set_current_context(name)
    source = status(env)["source"]
    assert source["endpoint"] == url and source["connected"] is True
    # --host still wins over the current context
    assert status(env, "--host", HOST)["source"]["endpoint"] == HOST
