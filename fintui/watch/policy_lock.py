"""One policy runner per state folder: a non-blocking flock on `<state_dir>/policies.lock`,
held for the process's life (the kernel lets it go when the process ends, however it ends).
Two agents, or an agent and a console with no agent, on one state folder would otherwise
both scale the same service."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


class PolicyLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None
        self.problem = ""  # why it could not even be tried ("" when it could)

    @property
    def held(self) -> bool:
        return self._file is not None

    def take(self) -> bool:
        """Whether this process runs the policies (now, or from now on)."""
        if self._file is not None:
            return True
        try:
            handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - kept open
        except OSError as exc:
            self.problem = f"cannot open {self.path}: {exc.strerror}"
            return False
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            self.problem = ""
            return False
        # The holder's pid, for the others' rows ("run elsewhere: pid 4242").
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        self.problem = ""
        return True

    def holder(self) -> str:
        """The pid the holder wrote, "" if unknown."""
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return ""
        return text if text.isdigit() else ""

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the file lets the lock go
            self._file = None
