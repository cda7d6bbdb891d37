"""A console started by `fintui serve` dies with the server, even one killed with SIGKILL
(which no cleanup handler sees): the kernel sends this process SIGKILL when its parent ends."""

from __future__ import annotations

import os
import signal
import sys

PARENT_ENV = "FINTUI_SERVE_PARENT"  # the server's pid, set for each console it starts
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Linux only; elsewhere the server's own shutdown still ends its consoles."""
    expected = os.environ.pop(PARENT_ENV, "")
    if not expected.isdigit() or not sys.platform.startswith("linux"):
        return
    import ctypes  # here: every other fintui run skips loading it

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != int(expected):  # the server was gone before the request took hold
        os._exit(1)
