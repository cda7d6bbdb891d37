"""The audit log: append-only JSON lines, each carrying the hash of the one before it.

A `.head` file beside the log holds the count and the last hash, so a dropped last record, a
deleted or a replaced log is found too; an append refuses to write to a log that no longer
matches its head. With a key file the chain hash is HMAC-SHA256 under it, so a log rebuilt
without the key fails verification. Writers take an exclusive lock, so two fintui sessions
never interleave. Both files are 0600 (0640 and the configured group with `[audit] group`).

An append is all or nothing. The record goes out in one write() of the whole line, is fsynced,
and then the head is written beside it and renamed over the old one, which commits it; only
then does the act run. If the line or the head cannot be written (a full disk), the log is cut
back to where it was: no `started` record stays for an act that did not run. A crash at any
byte leaves either an unfinished last line (no end of line) or one whole record past the head:
readers take neither for damage, and the next append cuts the unfinished bytes (never a
record) and says in its own record, under `recovered`, what it found. Nothing the head has
committed is ever cut."""

from __future__ import annotations

import fcntl
import grp
import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from fintui.core.audit_details import details
from fintui.core.text_safety import one_line
from fintui.ops.audit_chain import (
    BadHead,
    BadLine,
    Head,
    Records,
    Tail,
    VerifyResult,
    canonical,
    chain_problem,
    chained,
    head_mac,
    head_mismatch,
    pending,
    read_head,
    read_records,
    walk,
)
from fintui.private_files import private_dir

if TYPE_CHECKING:
    from fintui.config import Settings

MIN_KEY_BYTES = 16
_START_AGAIN = "run `fintui audit verify`, and move the log and its .head aside to start a new one"
_NO_LOG = "no audit log at this path: nothing recorded yet, or it was deleted"


class AuditUnavailable(Exception):
    """The record could not be written; the action must not go ahead."""


class AuditKeyError(AuditUnavailable):
    """The configured key file cannot be used (a configuration problem)."""


class AuditUnreadable(Exception):
    """The log cannot be read as records: missing, or a line that is not a JSON record."""


def read_key(path: Path) -> bytes:
    """The chain key; refused, like ssh refuses a private key, if group or others may read it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise AuditKeyError(f"the audit key file {path} does not exist "
                            "([audit] key_file)") from None
    except OSError as exc:
        raise AuditKeyError(f"cannot read the audit key file {path}: {exc.strerror}") from None
    try:
        key = _private_bytes(fd, path)
    finally:
        os.close(fd)
    if len(key) < MIN_KEY_BYTES:
        raise AuditKeyError(f"the audit key file {path} holds {len(key)} bytes; a key needs "
                            f"{MIN_KEY_BYTES} or more (head -c 32 /dev/urandom > {path})")
    return key


def _private_bytes(fd: int, path: Path) -> bytes:
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise AuditKeyError(f"the audit key file {path} is not a file")
    if info.st_mode & 0o077:
        raise AuditKeyError(f"the audit key file {path} is open to group or others (mode "
                            f"{stat.S_IMODE(info.st_mode):04o}): chmod 600 {path}")
    chunks = []
    try:
        while chunk := os.read(fd, 4096):
            chunks.append(chunk)
    except OSError as exc:
        raise AuditKeyError(f"cannot read the audit key file {path}: {exc.strerror}") from None
    return b"".join(chunks)


def _when(record: dict[str, Any]) -> datetime | None:
    try:
        when = datetime.fromisoformat(str(record.get("time")))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _shown(record: dict[str, Any]) -> str:
    def field(name: str) -> str:
        return str(record.get(name, "?"))

    extra = f"  override: {record['override']}" if record.get("override") else ""
    # A rejection's `error` is the rejecter's comment, not a fault.
    label = "comment" if record.get("outcome") == "rejected" else "error"
    error = f"  {label}: {record['error']}" if record.get("error") else ""
    found = record.get("recovered")
    if found:  # what an interrupted append had left before this record
        extra += "  recovered: " + ("; ".join(map(str, found)) if isinstance(found, list)
                                    else str(found))
    # Targets and errors carry container names: untrusted text.
    # The OS account too, when --as named someone else: the role was that account's.
    who = field("actor") + (f" [{record['user']}]" if record.get("user") not in
                            (None, record.get("actor")) else "")
    return one_line(f"{field('time')}  {who} ({field('role')})  {field('action')} "
                    f"{field('target')}  {field('outcome')}{error}{extra}")


def _write_all(fd: int, data: bytes) -> None:
    """All of `data`: a full disk takes part of a write, then refuses the rest (OSError)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _cut_back(fd: int, end: int) -> None:
    """Undo a record that was not committed. If even this fails, what stays is what a crash
    leaves (an unfinished line, or a record past the head), which the next append handles."""
    try:
        os.ftruncate(fd, end)
        os.fsync(fd)
    except OSError:
        pass


class AuditLog:
    def __init__(self, path: Path, key_file: Path | None = None, group: str = "") -> None:
        self.path = path
        self.head = path.with_name(path.name + ".head")
        self.key_file = key_file
        self.group = group
        self.mode = 0o640 if group else 0o600

    @classmethod
    def from_settings(cls, settings: Settings, path: Path | None = None) -> AuditLog:
        """The configured log (or the one at `path`) with the configured key and group."""
        audit = settings.audit
        return cls(path or audit.path, key_file=audit.key_file, group=audit.group)

    def _key(self) -> bytes | None:
        return None if self.key_file is None else read_key(self.key_file)

    # ---- writing ------------------------------------------------------------------------

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Chain and write one record; raises AuditUnavailable, leaving the log as it was, if
        it cannot be stored, or if the log no longer matches its head (deleted, truncated,
        replaced)."""
        key = self._key()
        if not self.path.exists() and self.head.exists():
            raise AuditUnavailable(f"the audit log {self.path} is missing but its .head is "
                                   f"there: it was deleted or moved; {_START_AGAIN}")
        try:
            with self._locked() as handle:
                tail, head = self._checked_tail(handle, key)
                fd = handle.fileno()
                end = os.fstat(fd).st_size - tail.torn  # the end of the last whole line
                found = pending(tail, head)
                if found:  # what a crash left: said in this record, chained with it
                    record = {**record, "recovered": found}
                full = chained(record, tail.hash, key)
                try:
                    if tail.torn:
                        os.ftruncate(fd, end)
                    _write_all(fd, (canonical(full) + "\n").encode())
                    os.fsync(fd)
                    self._write_head(Head(tail.count + 1, full["hash"]), key)
                except Exception:  # not committed: leave the log as it was
                    _cut_back(fd, end)
                    raise
                return full
        except OSError as exc:
            raise AuditUnavailable(f"cannot write the audit log {self.path}: "
                                   f"{exc.strerror or exc}") from None

    def _checked_tail(self, handle: BinaryIO, key: bytes | None) -> tuple[Tail, Head | None]:
        """The log's end and its head, if it can be appended to: its last record chained
        under this key and the log agreeing with its head; else AuditUnavailable saying why."""
        tail = Tail()
        records = Records(handle)
        try:
            for number, record in records:
                tail = Tail(tail.count + 1, record, number)
        except BadLine as bad:
            raise AuditUnavailable(f"the audit log {self.path} is damaged at {bad}; "
                                   f"{_START_AGAIN}") from None
        tail = replace(tail, torn=records.torn)
        if tail.last is not None:
            prev = tail.last.get("prev")
            problem = chain_problem(tail.line, prev if isinstance(prev, str) else "",
                                     tail.last, key)
            if problem:
                raise AuditUnavailable(f"the audit log {self.path}: {problem}; {_START_AGAIN}")
        try:
            head = read_head(self.head, key)
        except BadHead as bad:
            raise AuditUnavailable(f"the audit log head {self.head} is garbled ({bad}); "
                                   f"{_START_AGAIN}") from None
        mismatch = head_mismatch(tail, head)
        if mismatch:
            raise AuditUnavailable(f"the audit log {self.path} {mismatch[1]}; {_START_AGAIN}")
        return tail, head

    @contextmanager
    def _locked(self) -> Iterator[BinaryIO]:
        self._make_parent()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, self.mode)
        with open(fd, "r+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                self._protect(fd, self.path)
                yield handle
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _write_head(self, head: Head, key: bytes | None) -> None:
        """Write the head beside it and rename it over the old one: a crash leaves the old
        head or the new, never half of one."""
        tmp = self.head.with_name(self.head.name + ".tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
        body: dict[str, Any] = {"records": head.records, "hash": head.hash}
        if key is not None:
            body["mac"] = head_mac(key, head.records, head.hash)
        fd = os.open(tmp, flags, self.mode)
        try:
            try:
                self._protect(fd, self.head)  # the mode it will have once in place
                _write_all(fd, json.dumps(body).encode())
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.head)
        except BaseException:
            tmp.unlink(missing_ok=True)  # a full disk gets its page back
            raise

    def _protect(self, fd: int, what: Path) -> None:
        """Give an open file of the log exactly 0600 (0640 and the group), whatever the umask
        made it or however wide it was left."""
        info = os.fstat(fd)
        gid = self._gid()
        if gid is not None and info.st_gid != gid:
            try:
                os.fchown(fd, -1, gid)
            except PermissionError as exc:
                raise AuditUnavailable(f"cannot give {what} to group {self.group}: "
                                       f"{exc.strerror} (this account must be a member of "
                                       f"{self.group})") from None
        if stat.S_IMODE(info.st_mode) != self.mode:
            try:
                os.fchmod(fd, self.mode)
            except PermissionError as exc:
                raise AuditUnavailable(f"cannot make {what} mode {self.mode:04o}: "
                                       f"{exc.strerror} (it belongs to another account)") from None

    def _gid(self) -> int | None:
        if not self.group:
            return None
        try:
            return grp.getgrnam(self.group).gr_gid
        except KeyError:
            raise AuditUnavailable(f"the audit log's group {self.group!r} does not exist on "
                                   "this machine ([audit] group)") from None

    def _make_parent(self) -> None:
        """Create missing folders above the log 0700 (0750 and the group with a group)."""
        private_dir(self.path.parent, group=self._gid())

    # ---- reading ------------------------------------------------------------------------

    def _open(self) -> BinaryIO:
        try:
            return open(self.path, "rb")
        except FileNotFoundError:
            raise AuditUnreadable(_NO_LOG) from None
        except OSError as exc:
            raise AuditUnreadable(f"cannot be read: {exc.strerror}") from None

    def records(self) -> list[dict[str, Any]]:
        """Every record ([] if there is no log); AuditUnreadable names a line that is not one."""
        if not self.path.exists():
            return []
        with self._open() as handle:
            try:
                return [record for _number, record in read_records(handle)]
            except BadLine as bad:
                raise AuditUnreadable(str(bad)) from None

    def show(self, since: datetime | None = None) -> Iterator[str]:
        """One readable line per record, and indented lines under it saying what it changed;
        AuditUnreadable (after the lines before it) names a
        line that is not a record, or says there is no log."""
        with self._open() as handle:
            try:
                for _number, record in read_records(handle):
                    when = _when(record)
                    if since is None or when is None or when >= since:
                        yield _shown(record)
                        yield from details(record)
            except BadLine as bad:
                raise AuditUnreadable(str(bad)) from None

    # ---- verifying ----------------------------------------------------------------------

    def verify(self) -> VerifyResult:
        """Check every record's chain, then the log against its head. Raises AuditKeyError
        when the configured key file cannot be used."""
        key = self._key()
        try:
            handle = self._open()
        except AuditUnreadable as exc:
            return self._missing() if not self.path.exists() else VerifyResult(False, 0, str(exc))
        with handle:
            walked = walk(handle, key)
        if isinstance(walked, VerifyResult):
            return walked
        try:
            head = read_head(self.head, key)
            if head is None and walked.count == 0 and walked.torn:  # a first append cut short
                return VerifyResult(False, 0, f"the log holds only an unfinished first write "
                                    f"({walked.torn} bytes) and no .head: nothing was "
                                    "committed; the next record takes its place")
            if head is None and walked.count == 0:  # never left so by a finished append
                return VerifyResult(False, 0, "the log is empty and has no .head: nothing was "
                                    "recorded, or it was emptied")
            mismatch = head_mismatch(walked, head)
        except BadHead as bad:
            return VerifyResult(False, walked.count, f"its .head is garbled ({bad}): records "
                                "dropped at the end could not be seen")
        if mismatch is None:
            return VerifyResult(True, walked.count, note="; ".join(pending(walked, head)))
        line, text = mismatch
        where = f"line {line}: " if line else ""
        return VerifyResult(False, walked.count, f"{where}the log {text}", line)

    def _missing(self) -> VerifyResult:
        try:
            head = read_head(self.head)
        except BadHead:
            return VerifyResult(False, 0, "the log is missing but its .head is there (garbled): "
                                "it was deleted or moved")
        if head is None:
            return VerifyResult(False, 0, _NO_LOG)
        return VerifyResult(False, 0, f"the log is missing but its .head says {head.records} "
                            "records: it was deleted or moved")
