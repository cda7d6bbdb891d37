"""A real isolate on a real dockerd, run under a careless umask: the forensics bundle, which
holds `docker inspect` and so the container's environment secrets, is readable by its owner
only, as is the state folder around it."""

from __future__ import annotations

import contextlib
import os
import re
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from docker.errors import NotFound

from tests.integration.conftest import HOST

pytestmark = pytest.mark.integration


def mode(path: Path) -> str:
    return oct(stat.S_IMODE(path.stat().st_mode))


def isolate_with_umask(tmp_path: Path, container: str, umask: int
                       ) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "fintui.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path / "state"}"\n', encoding="utf-8")
    old = os.umask(umask)  # inherited by the CLI below
    try:
        return subprocess.run([sys.executable, "-m", "fintui", "--host", HOST, "--config",
                               str(config), "isolate", container, "--yes"],
                              capture_output=True, text=True, timeout=180)
    finally:
        os.umask(old)


@pytest.fixture
def replacements(client: docker.DockerClient) -> Iterator[list[str]]:
    """Names of the containers whose replacements the test must remove."""
    names: list[str] = []
    yield names
    for name in names:
        for clone in client.containers.list(all=True, filters={"name": f"^/{name}-replacement-"}):
            if clone.name.startswith(f"{name}-replacement-"):
                with contextlib.suppress(NotFound):
                    clone.remove(force=True)


def test_isolate_under_umask_000_keeps_the_bundle_owner_only(
        tmp_path: Path, run_container: Callable[..., Any], replacements: list[str]) -> None:
    victim = run_container("secret-holder", ["sleep", "600"],
                           environment={"API_KEY": "s3cret"})
    replacements.append(victim.name)
    result = isolate_with_umask(tmp_path, victim.name, 0o000)
    assert result.returncode == 0, result.stderr
    found = re.search(r"forensics bundle: (.+)", result.stdout)
    assert found, result.stdout
    bundle = Path(found.group(1))
    state = tmp_path / "state"
    assert bundle.parent == state / "forensics"
    # These are the secret-holding files ...
    assert "API_KEY=s3cret" in (bundle / "inspect.json").read_text()
    # ... and only their owner may read them, however open the umask was.
    assert {"state": mode(state), "forensics": mode(bundle.parent),
            "bundle": mode(bundle)} == {"state": "0o700", "forensics": "0o700", "bundle": "0o700"}
    files = {p.name: mode(p) for p in bundle.iterdir()}
    assert {"inspect.json", "manifest.json"} <= set(files)
    assert files == dict.fromkeys(files, "0o600")
