"""The audit chain itself: reading records line by line, the hash (or HMAC) that links each
to the one before, and how the log compares with its `.head`. No file is opened here.

The `.head` is the commit mark: a record counts once the head names it. Bytes after the last end
of line are an append that never finished (a crash or a full disk mid-write), not a record, and
one whole record more than the head is an append whose head was never written. Both are what a
crash can leave, so both verify; `pending` says what they are, for verify and for the next
append, which records that it took them over."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

from fintui.core.text_safety import one_line

GENESIS = "0" * 64
MAC = "hmac-sha256"  # the `mac` of a keyed record
_DIGEST = re.compile(r"[0-9a-f]{64}")


class BadLine(Exception):
    def __init__(self, line: int, text: str) -> None:
        super().__init__(f"line {line}: {text}")
        self.line = line


class BadHead(Exception):
    """The .head is there but says nothing usable; the message says why."""


def canonical(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev: str, record: dict[str, Any], key: bytes | None = None) -> str:
    """SHA-256 (HMAC-SHA256 under `key`) of the previous hash and the record without `hash`."""
    body = {k: v for k, v in record.items() if k != "hash"}
    data = (prev + canonical(body)).encode()
    if key is None:
        return hashlib.sha256(data).hexdigest()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    records: int
    problem: str = ""  # names the first bad line
    line: int | None = None
    note: str = ""  # an intact log: what interrupted appends left past its head


@dataclass(frozen=True, slots=True)
class Head:
    records: int
    hash: str


def head_mac(key: bytes, records: int, digest: str) -> str:
    """With a key the head is signed too: else dropping the newest records and writing a new
    head (count and the last kept hash, both readable in the log) would pass verification."""
    return hmac.new(key, f"head:{records}:{digest}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Tail:
    """The end of the log: how many records, the last one and its line number."""

    count: int = 0
    last: dict[str, Any] | None = None
    line: int = 0
    torn: int = 0  # bytes after the last end of line: an append that never finished

    @property
    def hash(self) -> str:
        return str(self.last["hash"]) if self.last else GENESIS


def _parse(number: int, raw: bytes) -> dict[str, Any]:
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadLine(number, "not UTF-8 text") from None
    except (ValueError, RecursionError):
        raise BadLine(number, "not valid JSON") from None
    if not isinstance(record, dict):
        raise BadLine(number, "not a JSON object")
    return record


class Records:
    """(line number, record) for each non-blank line, raising BadLine; once read through,
    `torn` is the length of an unfinished last line (no end of line), which is no record."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.torn = 0

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        for number, raw in enumerate(self.handle, start=1):
            if not raw.endswith(b"\n"):  # a record is written whole with its end of line
                self.torn = len(raw)
                return
            if raw.strip():
                yield number, _parse(number, raw)


def read_records(handle: BinaryIO) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) for each complete non-blank line; raises BadLine."""
    return iter(Records(handle))


def chain_problem(number: int, prev: str, record: dict[str, Any], key: bytes | None) -> str:
    """Why this record does not follow `prev` under `key`; "" when it does."""
    mac = record.get("mac")
    if mac is not None and mac != MAC:
        return f"line {number}: an unknown mac {one_line(str(mac))!r}"
    if mac is not None and key is None:
        return f"line {number} is keyed (HMAC): set [audit] key_file to verify"
    if mac is None and key is not None:
        return (f"line {number}: not keyed (plain SHA-256) although [audit] key_file is set: "
                "the log was written or rebuilt without the key")
    if record.get("prev") != prev:
        return (f"line {number}: does not follow the record before it (a record was removed "
                "or reordered)")
    if chain_hash(prev, record, key) != record.get("hash"):
        if key is not None:
            return (f"line {number}: contents do not match its HMAC (the record was edited, or "
                    "written under another key)")
        return f"line {number}: contents do not match its hash (the record was edited)"
    return ""


def read_head(path: Path, key: bytes | None = None) -> Head | None:
    """The head beside the log, None if there is none; raises BadHead if it is garbled, or
    (with a key) not signed under it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise BadHead(f"cannot be read: {exc.strerror}") from None
    try:
        value = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        raise BadHead("not JSON") from None
    records = value.get("records") if isinstance(value, dict) else None
    digest = value.get("hash") if isinstance(value, dict) else None
    if not isinstance(records, int) or isinstance(records, bool) or records < 0:
        raise BadHead("no record count in it")
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise BadHead("no SHA-256 hash in it")
    if key is not None and not hmac.compare_digest(str(value.get("mac", "")),
                                                   head_mac(key, records, digest)):
        raise BadHead("its HMAC is missing or wrong: it was written without the key")
    return Head(records, digest)


def head_mismatch(tail: Tail, head: Head | None) -> tuple[int | None, str] | None:
    """(line, how the log disagrees with its head) or None when they agree. A crash between
    writing a record and its head leaves one record more whose `prev` is the head's hash:
    that agrees."""
    count = tail.count
    if head is None:
        if count == 0 or (count == 1 and tail.last and tail.last.get("prev") == GENESIS):
            return None  # none yet, or a crash before the first head was written
        return None, (f"has {count} records but its .head is missing: records dropped at the "
                      "end could not be seen")
    if count == head.records and tail.hash == head.hash:
        return None
    if count == head.records + 1 and tail.last and tail.last.get("prev") == head.hash:
        return None
    if count < head.records:
        return count + 1, (f"has {count} records but its .head says {head.records}: records "
                           "are missing at the end (it was truncated, or deleted and begun again)")
    if count == head.records:
        return count, (f"has {count} records, as its .head says, but the last is not the one "
                       "the head recorded: the log was rebuilt or replaced")
    return head.records + 1, (f"has {count} records but its .head says {head.records}: records "
                              "were added without fintui, or the log was replaced")


def pending(tail: Tail, head: Head | None) -> list[str]:
    """What interrupted appends left past the head, for a log that agrees with it: a record
    written whose head never was (a `started` one's act never ran: it runs only once its
    record is committed), and an unfinished last line."""
    found = []
    if tail.last is not None and tail.count == (head.records if head else 0) + 1:
        ran = ", so its act never ran" if tail.last.get("outcome") == "started" else ""
        found.append(f"line {tail.line} was written but its append did not finish (the "
                     f".head was not updated){ran}")
    if tail.torn:
        found.append(f"the last {tail.torn} bytes are an unfinished write, never committed")
    return found


def chained(record: dict[str, Any], prev: str, key: bytes | None) -> dict[str, Any]:
    """The record as written: after `prev`, marked keyed under a key, with its hash."""
    full = {k: v for k, v in record.items() if k not in ("mac", "prev", "hash")}
    full["prev"] = prev
    if key is not None:
        full["mac"] = MAC
    full["hash"] = chain_hash(prev, full, key)
    return full


def walk(handle: BinaryIO, key: bytes | None) -> Tail | VerifyResult:
    """Follow the chain line by line: the end of the log, or the first problem."""
    tail = Tail()
    records = Records(handle)
    try:
        for number, record in records:
            problem = chain_problem(number, tail.hash, record, key)
            if problem:
                return VerifyResult(False, tail.count, problem, number)
            tail = Tail(tail.count + 1, record, number)
    except BadLine as bad:
        return VerifyResult(False, tail.count, str(bad), bad.line)
    return replace(tail, torn=records.torn)
