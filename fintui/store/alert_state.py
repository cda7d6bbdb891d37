"""Acknowledgements and silences, kept in a TOML file (tomli-w) so they survive restarts.

The file is the operator's too (a hand edit, another console): it is re-read whenever it
changes on disk (`check`, cheap: one stat), and never written over when it changed since it
was last read and no longer parses. Acks and silences made here that are not on disk yet are
held in memory, and written once the file works again."""

from __future__ import annotations

import os
import time
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

import tomli_w

from fintui.core.alerts import Silence
from fintui.private_files import private_dir
from fintui.store.db import StateUnavailable

SAVE_RETRY = 5.0  # seconds between tries to write held changes while writing fails

Acks = dict[tuple[str, str], tuple[str, datetime]]


class BadShape(ValueError):
    """Valid TOML that is not an alert state; the message says where and what."""


class AlertStateFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.silences: list[Silence] = []
        self.acks: Acks = {}
        self.fault: StateUnavailable | None = None  # why the file cannot be read or written
        self._held_silences: list[Silence] = []  # made here, not on disk yet
        self._held_acks: Acks = {}
        self._seen: tuple[int, ...] | None = None  # the file as last read or written (stat)
        self._content: bytes | None = None  # ... and what it held (None: no file)
        self._save_failed_at: float | None = None  # monotonic; None when saving works
        self.load()

    @property
    def held(self) -> bool:
        """Acks or silences made here that are not in the file yet."""
        return bool(self._held_silences or self._held_acks)

    def load(self) -> None:
        """Read the file; a missing one is empty. One that cannot be read is said in
        `fault` and left alone: saving over it would lose every silence in it."""
        seen = self._stat()
        try:
            content: bytes | None = self.path.read_bytes()
        except FileNotFoundError:
            content = None
        except OSError as exc:
            self._seen = seen
            self._fail_read(exc.strerror or str(exc))
            return
        self._seen, self._content = seen, content
        try:
            silences, acks = parse(content.decode("utf-8") if content is not None else "")
        except UnicodeDecodeError:
            self._fail_read("not UTF-8 text")
            return
        except (tomllib.TOMLDecodeError, BadShape) as exc:
            self._fail_read(str(exc))
            return
        self.fault = None
        self._save_failed_at = None
        # What was decided here and is not on disk yet wins over the file.
        self.silences = [*silences, *(s for s in self._held_silences if s not in silences)]
        self.acks = {**acks, **self._held_acks}

    def check(self, now: datetime) -> None:
        """Cheap, for every sweep: re-read the file when it changed on disk (one stat), and
        write what is held once it can be. Raises StateUnavailable while the file fails."""
        if self._stat() != self._seen:
            self.load()
        if self.held and (self.fault is None or (
                self._save_failed_at is not None
                and time.monotonic() - self._save_failed_at >= SAVE_RETRY)):
            self.save(now)
        elif self.fault is not None:
            raise self.fault

    def save(self, now: datetime) -> None:
        """Write atomically; expired silences are dropped. Raises StateUnavailable, naming the
        file, when it cannot be written, or when it cannot be read (then it is left alone)."""
        if self.fault is not None or self._changed_on_disk():
            self.load()  # a fault that may have gone, or someone else's edit: take it in
            if self.fault is not None:
                raise self.fault  # unreadable: left as it is, what is made here held
        self.silences = [s for s in self.silences if s.until > now]
        data = {
            "silences": [{"rule": s.rule, "target": s.target, "until": s.until,
                          "comment": s.comment, "author": s.author} for s in self.silences],
            "acks": [{"rule": r, "target": t, "by": by, "at": at}
                     for (r, t), (by, at) in sorted(self.acks.items())],
        }
        content = tomli_w.dumps(data).encode("utf-8")
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            private_dir(self.path.parent)
            tmp.write_bytes(content)
            os.replace(tmp, self.path)
        except OSError as exc:
            self._save_failed_at = time.monotonic()
            self.fault = StateUnavailable(
                f"cannot save {self.path}: {exc.strerror or exc}", self.path,
                exc.strerror or str(exc))
            raise self.fault from None
        self._seen, self._content = self._stat(), content
        self.fault, self._save_failed_at = None, None
        self._held_silences, self._held_acks = [], {}

    def ack(self, rule: str, target: str, who: str, now: datetime) -> None:
        """Held in memory even when the file cannot be written (StateUnavailable says so)."""
        self.acks[(rule, target)] = self._held_acks[(rule, target)] = (who, now)
        self.save(now)

    def silence(self, silence: Silence, now: datetime) -> None:
        self.silences.append(silence)
        self._held_silences.append(silence)
        self.save(now)

    def _fail_read(self, reason: str) -> None:
        self.fault = StateUnavailable(f"cannot read {self.path}: {reason}; not overwritten",
                                      self.path, reason)
        self._save_failed_at = None

    def _stat(self) -> tuple[int, ...] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            return (-1, exc.errno or 0)
        return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_mode)

    def _changed_on_disk(self) -> bool:
        """Before a write: has anyone else written the file since it was last read here?
        Its content decides, not only its times (an edit within one clock tick)."""
        if self._stat() != self._seen:
            return True
        try:
            return self.path.read_bytes() != self._content
        except FileNotFoundError:
            return self._content is not None
        except OSError:
            return True


def parse(text: str) -> tuple[list[Silence], Acks]:
    """The silences and acks in an alert state file; TOMLDecodeError or BadShape (saying
    which entry and what is wrong with it) when it holds something else."""
    data = tomllib.loads(text)
    silences = [Silence(_text(s, "rule", where), _text(s, "target", where),
                        _when(s, "until", where), _text(s, "comment", where),
                        _text(s, "author", where))
                for where, s in _tables(data, "silences", "silence")]
    acks = {(_text(a, "rule", where), _text(a, "target", where)):
            (_text(a, "by", where), _when(a, "at", where))
            for where, a in _tables(data, "acks", "ack")}
    return silences, acks


def _tables(data: dict[str, Any], key: str, one: str) -> list[tuple[str, dict[str, Any]]]:
    entries = data.get(key, [])
    if not isinstance(entries, list):
        raise BadShape(f"'{key}' is not a list of tables ([[{key}]])")
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise BadShape(f"{one} {n} is not a table: {_short(entry)}")
    return [(f"{one} {n}", entry) for n, entry in enumerate(entries, 1)]


def _field(table: dict[str, Any], key: str, where: str) -> Any:
    if key not in table:
        raise BadShape(f"{where}: missing key '{key}'")
    return table[key]


def _text(table: dict[str, Any], key: str, where: str) -> str:
    value = _field(table, key, where)
    if not isinstance(value, str):
        raise BadShape(f"{where}: '{key}' is not a string: {_short(value)}")
    return value


def _when(table: dict[str, Any], key: str, where: str) -> datetime:
    """A TOML date-time with its zone; anything else is a damaged file, not a crash later."""
    value = _field(table, key, where)
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise BadShape(f"{where}: '{key}' is not a date-time with a zone: {_short(value)}")
    return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"
