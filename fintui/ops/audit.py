"""The audit log: append-only JSON lines, each carrying the hash of the one before it.

A `.head` file beside the log holds the count and the last hash, so a dropped last record is
found too. Writers take an exclusive lock, so two fintui sessions never interleave."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from fintui.core.text_safety import one_line

GENESIS = "0" * 64


class AuditUnavailable(Exception):
    """The record could not be written; the action must not go ahead."""


def canonical(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev: str, record: dict[str, Any]) -> str:
    body = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256((prev + canonical(body)).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    records: int
    problem: str = ""  # names the first bad line
    line: int | None = None


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.head = path.with_name(path.name + ".head")

    @contextmanager
    def _locked(self) -> Iterator[TextIO]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield handle
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Chain and write one record; raises AuditUnavailable if it cannot be stored."""
        try:
            with self._locked() as handle:
                handle.seek(0)
                prev, count = GENESIS, 0
                for line in handle:
                    if line.strip():
                        prev = json.loads(line)["hash"]
                        count += 1
                full = {**record, "prev": prev}
                full["hash"] = chain_hash(prev, full)
                handle.seek(0, os.SEEK_END)
                handle.write(canonical(full) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
                tmp = self.head.with_name(self.head.name + ".tmp")
                tmp.write_text(json.dumps({"records": count + 1, "hash": full["hash"]}),
                               encoding="utf-8")
                os.replace(tmp, self.head)
                return full
        except (OSError, ValueError, KeyError) as exc:
            raise AuditUnavailable(f"cannot write the audit log {self.path}: {exc}") from None

    def records(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with open(self.path, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def verify(self) -> VerifyResult:
        if not self.path.exists():
            return VerifyResult(True, 0)
        prev = GENESIS
        count = 0
        with open(self.path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                count += 1
                try:
                    record = json.loads(line)
                except ValueError:
                    return VerifyResult(False, count, f"line {number}: not valid JSON", number)
                if record.get("prev") != prev:
                    return VerifyResult(False, count, f"line {number}: does not follow the "
                                        "record before it (a record was removed or reordered)",
                                        number)
                if chain_hash(prev, record) != record.get("hash"):
                    return VerifyResult(False, count, f"line {number}: contents do not match "
                                        "its hash (the record was edited)", number)
                prev = record["hash"]
        if self.head.exists():
            head = json.loads(self.head.read_text(encoding="utf-8"))
            if head.get("records", 0) > count or (head.get("records") == count
                                                   and head.get("hash") != prev):
                return VerifyResult(False, count, f"line {count + 1}: records are missing at the "
                                    f"end (the log had {head.get('records')})", count + 1)
        return VerifyResult(True, count)

    def show(self, since: datetime | None = None) -> list[str]:
        out = []
        for record in self.records():
            when = datetime.fromisoformat(record["time"])
            if since and when < since:
                continue
            extra = f"  override: {record['override']}" if record.get("override") else ""
            error = f"  error: {record['error']}" if record.get("error") else ""
            # Targets and errors carry container names: untrusted text.
            out.append(one_line(f"{record['time']}  {record['actor']} ({record['role']})  "
                                f"{record['action']} {record['target']}  {record['outcome']}"
                                f"{error}{extra}"))
        return out
