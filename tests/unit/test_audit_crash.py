"""An append to the audit log is all or nothing. A crash at any byte of the record or of its
head leaves a log that verifies (or, before the very first head, one the next append takes
over), and the next act goes on, saying what it found. A full disk refuses the act once, with
one clear line, and leaves no `started` record for an act that never ran."""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from fintui.cli import main
from fintui.clock import FixedClock
from fintui.config import load_settings
from fintui.ops.audit import AuditLog, AuditUnavailable
from fintui.ops.audit_chain import canonical, chained
from fintui.ops.operations import Operations, Refused
from fintui.sources.demo import DEMO_START, DemoCluster
from fintui.sources.demo_actions import DemoActions

RECORD = {"time": "2026-03-02T01:30:00Z", "actor": "ops", "role": "operator",
          "action": "scale", "target": "svc", "outcome": "started"}
ENOSPC = os.strerror(errno.ENOSPC)


@dataclass(frozen=True)
class Files:
    log: bytes
    head: bytes | None


def files(log: AuditLog) -> Files:
    return Files(log.path.read_bytes(), log.head.read_bytes() if log.head.exists() else None)


def put(log: AuditLog, state: Files, head_tmp: bytes | None = None) -> None:
    log.path.write_bytes(state.log)
    log.head.unlink(missing_ok=True)
    if state.head is not None:
        log.head.write_bytes(state.head)
    tmp = log.head.with_name(log.head.name + ".tmp")
    tmp.unlink(missing_ok=True)
    if head_tmp is not None:
        tmp.write_bytes(head_tmp)


def crash_states(before: Files, after: Files) -> Iterator[tuple[str, Files, bytes | None]]:
    """Every state a crash during one append can leave: the record's line cut at each byte
    (old head), then the head's temporary file cut at each byte, then the head in place."""
    line = after.log[len(before.log):]
    for cut in range(len(line) + 1):
        yield f"line {cut}/{len(line)}", Files(before.log + line[:cut], before.head), None
    assert after.head is not None
    for cut in range(len(after.head) + 1):
        yield f"head.tmp {cut}", Files(after.log, before.head), after.head[:cut]
    yield "committed", after, None


@pytest.mark.parametrize("keyed", [False, True], ids=["sha256", "hmac"])
@pytest.mark.parametrize("kept", [0, 3], ids=["first-append", "after-3"])
def test_a_crash_at_any_byte_of_an_append_leaves_a_log_that_goes_on(
        tmp_path: Path, keyed: bool, kept: int) -> None:
    key = tmp_path / "audit.key"
    key.write_bytes(b"k" * 32)
    key.chmod(0o600)
    log = AuditLog(tmp_path / "audit.jsonl", key_file=key if keyed else None)
    for i in range(kept):
        log.append({**RECORD, "target": f"svc{i}", "outcome": "ok"})
    if not kept:
        log.path.write_bytes(b"")  # the first append had created it, and got no further
    before = files(log)
    log.append(RECORD)
    after = files(log)
    earlier = [canonical(r) for r in log.records()[:kept]]
    for where, state, head_tmp in crash_states(before, after):
        put(log, state, head_tmp)
        written = len(state.log) > len(before.log)
        whole = state.log == after.log
        result = log.verify()
        if kept or whole:  # nothing committed is lost, and the remains are not damage
            assert result.ok, (where, result)
            assert result.records == kept + whole, where
        else:  # before its first head a log has nothing to verify, and says so
            assert "no .head: nothing was" in result.problem, (where, result)
            assert ("unfinished first write" in result.problem) == written, where
        if whole and state.head != after.head:
            assert "its append did not finish (the .head was not updated), so its act never " \
                   "ran" in result.note, where
        if written and not whole and kept:
            assert "unfinished write, never committed" in result.note, where
        if state.head == after.head:
            assert result.note == "", where
        # The next act goes on, says what the crash left, and the whole log verifies.
        nxt = log.append({**RECORD, "target": "next", "outcome": "ok"})
        assert bool(nxt.get("recovered")) == (written and state.head != after.head), where
        again = log.verify()
        assert again.ok and again.note == "", (where, again)
        assert again.records == kept + whole + 1, where
        assert [canonical(r) for r in log.records()[:kept]] == earlier, where


def test_a_started_record_whose_head_never_came_says_its_act_never_ran(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.append({**RECORD, "outcome": "ok"})
    head = log.head.read_bytes()
    log.append(RECORD)  # `started`; then the process died before its head was renamed in
    log.head.write_bytes(head)
    log.append({**RECORD, "outcome": "refused", "error": "a freeze"})
    code = main(["audit", "show", "--log", str(log.path)])
    out = capsys.readouterr().out.splitlines()
    assert code == 0 and len(out) == 3
    assert out[2].endswith("recovered: line 2 was written but its append did not finish (the "
                           ".head was not updated), so its act never ran")


async def test_after_a_write_torn_by_a_crash_the_next_act_runs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "fintui.toml"
    config.write_text(f'[audit]\npath = "{tmp_path / "audit.jsonl"}"\n')
    settings = load_settings(config)
    settings = replace(settings, paths=replace(settings.paths, state_dir=tmp_path / "state"))
    settings = replace(settings, scale=replace(settings.scale, converge_timeout=2.0))
    clock = FixedClock(DEMO_START)
    cluster = DemoCluster(7, clock, 2.0)
    ops = Operations(DemoActions(cluster), settings, "alice", False, clock)
    await ops.execute(await ops.plan_scale("pricing", 4))
    torn = b'{"action":"scale","actor":"alice","hash":"9f0'
    with ops.audit.path.open("ab") as log:  # a disk that filled in the middle of a line
        log.write(torn)
    await ops.execute(await ops.plan_scale("pricing", 5))  # not a traceback, not a refusal
    assert sum(s.service == "pricing" for s in cluster.specs) == 5
    started = ops.audit.records()[2]
    assert started["outcome"] == "started"
    assert started["recovered"] == [f"the last {len(torn)} bytes are an unfinished write, "
                                    "never committed"]
    assert main(["--config", str(config), "audit", "verify"]) == 0
    assert capsys.readouterr().out == f"{ops.audit.path}: 4 records, chain intact\n"


# ---- a full disk, with the process alive: nothing stays -----------------------------------

@pytest.mark.parametrize("part", ["record", "head"])
def test_a_write_refused_at_any_byte_leaves_the_log_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, part: str) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    for i in range(3):
        log.append({**RECORD, "target": f"svc{i}", "outcome": "ok"})
    before = files(log)
    assert before.head is not None
    line = len(canonical(chained(RECORD, "0" * 64, None))) + 1
    real_write = os.write
    for cut in range(line if part == "record" else len(before.head)):
        calls: list[int] = []

        def full_disk(fd: int, data: bytes | memoryview, cut: int = cut,
                      calls: list[int] = calls) -> int:
            calls.append(fd)
            if len(calls) == (1 if part == "record" else 2):  # the log's write, or the head's
                real_write(fd, bytes(data[:cut]))  # what fitted; then the disk is full
                raise OSError(errno.ENOSPC, ENOSPC)
            return real_write(fd, data)

        monkeypatch.setattr(os, "write", full_disk)
        with pytest.raises(AuditUnavailable) as refused:
            log.append(RECORD)
        monkeypatch.setattr(os, "write", real_write)
        assert str(refused.value) == f"cannot write the audit log {log.path}: {ENOSPC}"
        assert files(log) == before, cut
        assert not log.head.with_name(log.head.name + ".tmp").exists()
        assert log.verify() == replace(log.verify(), ok=True, records=3, note="")


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs: a real full disk (needs root, as the test machine runs)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)],
                             capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr.decode().strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"x" * 1024)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


async def test_on_a_full_disk_the_act_is_refused_once_and_leaves_no_started_record(
        tmp_path: Path, tiny_disk: Path) -> None:
    settings = load_settings(None)
    settings = replace(settings, paths=replace(settings.paths, state_dir=tmp_path / "state"),
                       audit=replace(settings.audit, path=tiny_disk / "audit.jsonl"),
                       scale=replace(settings.scale, converge_timeout=2.0))
    clock = FixedClock(DEMO_START)
    cluster = DemoCluster(7, clock, 2.0)
    ops = Operations(DemoActions(cluster), settings, "alice", False, clock)
    await ops.execute(await ops.plan_scale("pricing", 4))
    before = files(ops.audit)
    filler = fill(tiny_disk)  # the log's page has room for a record; a new head has none
    plan = await ops.plan_scale("pricing", 5)
    with pytest.raises(Refused) as refused:
        await ops.execute(plan)
    assert str(refused.value) == f"cannot write the audit log {ops.audit.path}: {ENOSPC}"
    assert sum(s.service == "pricing" for s in cluster.specs) == 4  # it did not run
    assert files(ops.audit) == before  # and no `started` record stays for it
    assert ops.audit.verify().ok and ops.audit.verify().records == 2
    filler.unlink()  # space again: the next act runs and the log holds no trace of a crash
    await ops.execute(plan)
    assert sum(s.service == "pricing" for s in cluster.specs) == 5
    assert ops.audit.verify() == replace(ops.audit.verify(), ok=True, records=4, note="")
    assert [r["outcome"] for r in ops.audit.records()] == ["started", "ok", "started", "ok"]


def test_the_cli_says_refused_once_when_the_head_cannot_be_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "fintui.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path / "state"}"\n')
    real_replace = os.replace

    def no_room_for_heads(src: str | Path, dst: str | Path) -> None:
        if str(dst).endswith(".head"):
            raise OSError(errno.ENOSPC, ENOSPC, str(src))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", no_room_for_heads)
    code = main(["--demo", "--config", str(config), "scale", "pricing", "4", "--yes"])
    out, err = capsys.readouterr()
    log = tmp_path / "state" / "demo" / "audit.jsonl"
    assert code == 1 and "done" not in out
    assert err == f"fintui: refused: cannot write the audit log {log}: {ENOSPC}\n"
    assert AuditLog(log).records() == []  # no `started` record for an act that never ran
