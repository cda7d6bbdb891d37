"""Acknowledgements and silences, kept in a TOML file (tomli-w) so they survive restarts."""

from __future__ import annotations

import os
import tomllib
from datetime import datetime
from pathlib import Path

import tomli_w

from fintui.core.alerts import Silence
from fintui.store.private import private_dir


class AlertStateFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.silences: list[Silence] = []
        self.acks: dict[tuple[str, str], tuple[str, datetime]] = {}
        self.error = ""
        self.load()

    def load(self) -> None:
        if not self.path.exists():
            return
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
            self.silences = [Silence(s["rule"], s["target"], s["until"], s["comment"],
                                     s["author"]) for s in data.get("silences", [])]
            self.acks = {(a["rule"], a["target"]): (a["by"], a["at"])
                         for a in data.get("acks", [])}
        except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
            self.error = f"cannot read {self.path}: {exc}"  # shown; never silently dropped

    def save(self, now: datetime) -> None:
        """Write atomically; expired silences are dropped."""
        self.silences = [s for s in self.silences if s.until > now]
        data = {
            "silences": [{"rule": s.rule, "target": s.target, "until": s.until,
                          "comment": s.comment, "author": s.author} for s in self.silences],
            "acks": [{"rule": r, "target": t, "by": by, "at": at}
                     for (r, t), (by, at) in sorted(self.acks.items())],
        }
        private_dir(self.path.parent)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(tomli_w.dumps(data), encoding="utf-8")
        os.replace(tmp, self.path)

    def ack(self, rule: str, target: str, who: str, now: datetime) -> None:
        self.acks[(rule, target)] = (who, now)
        self.save(now)

    def silence(self, silence: Silence, now: datetime) -> None:
        self.silences.append(silence)
        self.save(now)
