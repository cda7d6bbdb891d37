"""The alerts a paging watch has sent as firing, kept across its restarts: a restarted agent
neither pages an ongoing incident again nor forgets to send its resolved message."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from fintui.core.alerts import Alert
from fintui.core.wire import WireError, decode, encode
from fintui.private_files import write_private


class PagedFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.error = ""  # why it could not be read or written, for the log

    def load(self) -> list[Alert]:
        """The firing alerts last saved; [] when there are none or the file is unusable (then
        the worst is one repeated page, never a lost one)."""
        try:
            alerts = decode(list[Alert], json.loads(self.path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return []
        except (OSError, ValueError, WireError) as exc:
            self.error = f"{self.path}: {exc}"
            return []
        return [a for a in alerts if a.state == "firing"]

    def save(self, alerts: Iterable[Alert]) -> None:
        firing = [a for a in alerts if a.state == "firing"]
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            tmp.unlink(missing_ok=True)
            write_private(tmp, json.dumps(encode(firing)).encode())
            os.replace(tmp, self.path)  # atomic: a crash leaves the old list or the new
        except OSError as exc:
            self.error = f"{self.path}: {exc.strerror or exc}"
        else:
            self.error = ""
