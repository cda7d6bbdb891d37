"""The core, the sources and the screenless CLI verbs must not load Textual (fast start, and
usable where no terminal UI is wanted)."""

from __future__ import annotations

import subprocess
import sys

import pytest

MODULES = ["fintui.core.stats", "fintui.core.container_rows", "fintui.core.report",
           "fintui.core.inspect_view", "fintui.core.text_safety", "fintui.core.scaling",
           "fintui.core.cleanup", "fintui.core.disk_usage", "fintui.core.storage_rows",
           "fintui.core.gpu_join", "fintui.core.gpu_view", "fintui.sources.docker_engine",
           "fintui.sources.engine_actions", "fintui.sources.demo", "fintui.sources.host",
           "fintui.sources.gpu", "fintui.poller", "fintui.config", "fintui.store.state",
           "fintui.store.isolations", "fintui.store.usage", "fintui.ops.operations",
           "fintui.ops.clean", "fintui.ops.audit", "fintui.ops.guard", "fintui.cli"]


@pytest.mark.parametrize("module", MODULES)
def test_module_does_not_import_textual(module: str) -> None:
    code = f"import sys, {module}; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"


@pytest.mark.parametrize(("argv", "exit_code"), [(["--demo", "status", "--json"], 0),
                                            (["--demo", "clean", "--dry-run"], 0),
                                            (["--demo", "scale", "pricing", "4", "--yes"], 0),
                                            (["audit", "verify"], 1)])  # no log here: says so
def test_screenless_verbs_run_without_textual(argv: list[str], exit_code: int) -> None:
    code = ("import sys\n"
            f"sys.argv = ['fintui', *{argv!r}]\n"
            "from fintui.cli import main\n"
            "import contextlib, io\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    rc = main()\n"
            "print(rc, 'textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == f"{exit_code} False"


def test_core_has_no_io_imports() -> None:
    code = ("import sys; import fintui.core.stats, fintui.core.container_rows, "
            "fintui.core.report, fintui.core.inspect_view, fintui.core.cleanup, "
            "fintui.core.scaling, fintui.core.disk_usage, fintui.core.gpu_join\n"
            "print(sorted(m for m in ('aiohttp', 'docker', 'psutil', 'pynvml', 'sqlite3') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
