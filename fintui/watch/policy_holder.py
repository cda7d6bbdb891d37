"""Which process runs the policies on a state folder, asked without waiting and without
taking the runner's place: for `fintui policies` and a console that does not run them."""

from __future__ import annotations

import fcntl
from pathlib import Path


def runner_pid(state_dir: Path) -> str | None:
    """The pid of the process holding `<state_dir>/policies.lock` (fintui.watch.policy_lock;
    "" when it holds it but its pid cannot be read), None when none does. A shared lock,
    tried and let go at once, tells: the file is never written here."""
    try:
        handle = open(state_dir / "policies.lock", encoding="utf-8")  # noqa: SIM115
    except OSError:
        return None  # never made (or not ours to read): no runner known
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:  # held for running: its holder wrote its pid
            try:
                text = handle.read().strip()
            except OSError:
                text = ""
            return text if text.isdigit() else ""
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return None
