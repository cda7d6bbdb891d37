"""The core, the sources and the screenless CLI verbs must not load Textual (fast start, and
usable where no terminal UI is wanted)."""

from __future__ import annotations

import subprocess
import sys

import pytest

MODULES = ["fintui.core.stats", "fintui.core.container_rows", "fintui.core.report",
           "fintui.core.inspect_view", "fintui.core.text_safety", "fintui.sources.docker_engine",
           "fintui.sources.demo", "fintui.sources.host", "fintui.poller", "fintui.config",
           "fintui.store.state", "fintui.cli"]


@pytest.mark.parametrize("module", MODULES)
def test_module_does_not_import_textual(module: str) -> None:
    code = f"import sys, {module}; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"


def test_status_verb_runs_without_textual() -> None:
    code = ("import sys, runpy\n"
            "sys.argv = ['fintui', '--demo', 'status', '--json']\n"
            "from fintui.cli import main\n"
            "import contextlib, io\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    rc = main()\n"
            "print(rc, 'textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "0 False"


def test_core_has_no_io_imports() -> None:
    code = ("import sys; import fintui.core.stats, fintui.core.container_rows, "
            "fintui.core.report, fintui.core.inspect_view\n"
            "print(sorted(m for m in ('aiohttp', 'docker', 'psutil', 'pynvml', 'sqlite3') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
