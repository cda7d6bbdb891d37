"""The audit log holds against a deleted, truncated, replaced or garbled log or head, bytes that
are not text, a log rebuilt without the key, and loose file modes; `fintui audit` says so in
one line with exit 1 (2 for an unusable key file), never a traceback."""

from __future__ import annotations

import grp
import json
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from fintui.cli import main
from fintui.clock import FixedClock
from fintui.config import load_settings
from fintui.ops.audit import AuditLog, AuditUnavailable
from fintui.ops.audit_chain import canonical
from fintui.ops.operations import Operations, Refused
from fintui.sources.demo import DEMO_START, DemoCluster
from fintui.sources.demo_actions import DemoActions

RECORD = {"time": "2026-03-02T01:30:00Z", "actor": "ops", "role": "operator",
          "action": "scale", "target": "svc", "outcome": "ok"}


def filled(path: Path, n: int = 5, key_file: Path | None = None) -> AuditLog:
    log = AuditLog(path, key_file=key_file) if key_file else AuditLog(path)
    for i in range(n):
        log.append({**RECORD, "target": f"svc{i}"})
    return log


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def verify_cli(capsys: pytest.CaptureFixture[str], log: AuditLog) -> tuple[int, str]:
    code, out, err = cli(capsys, "audit", "verify", "--log", str(log.path))
    assert "Traceback" not in err and len(err.splitlines()) <= 1
    return code, out + err


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask000() -> Iterator[None]:
    old = os.umask(0)
    yield
    os.umask(old)


def key_file(path: Path, data: bytes = b"k" * 32, perms: int = 0o600) -> Path:
    path.write_bytes(data)
    os.chmod(path, perms)
    return path


# ---- a missing log, a missing or garbled head ---------------------------------------------

def test_a_deleted_log_fails_and_names_its_head(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    log = filled(tmp_path / "audit.jsonl", 15)
    log.path.unlink()
    result = log.verify()
    assert not result.ok
    assert "missing but its .head says 15 records: it was deleted" in result.problem
    code, said = verify_cli(capsys, log)
    assert code == 1 and "chain intact" not in said and "deleted" in said


def test_a_log_without_its_head_fails(tmp_path: Path) -> None:
    log = filled(tmp_path / "audit.jsonl", 5)
    rows = log.path.read_text().splitlines()
    log.path.write_text("\n".join(rows[:-1]) + "\n")  # the last record dropped...
    log.head.unlink()  # ...and the head that would have shown it
    result = log.verify()
    assert not result.ok
    assert "its .head is missing: records dropped at the end could not be seen" in result.problem
    with pytest.raises(AuditUnavailable, match=r"its \.head is missing"):
        log.append(RECORD)  # appending would write a fresh head over the evidence


@pytest.mark.parametrize("garbage", [
    b"not json at all",
    b"[15]",
    b'{"records": "15", "hash": "x"}',
    b'{"records": true, "hash": "' + b"0" * 64 + b'"}',
    b'{"records": 5, "hash": 5}',
    b"\xff\xfe",
])
def test_a_garbled_head_is_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          garbage: bytes) -> None:
    log = filled(tmp_path / "audit.jsonl", 5)
    log.head.write_bytes(garbage)
    result = log.verify()
    assert not result.ok and "its .head is garbled" in result.problem
    code, said = verify_cli(capsys, log)
    assert code == 1 and "its .head is garbled" in said
    with pytest.raises(AuditUnavailable, match="garbled"):
        log.append(RECORD)


def test_a_mistyped_log_path_is_not_intact(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    filled(tmp_path / "audit.jsonl", 3)
    wrong = tmp_path / "audti.jsonl"
    code, out, err = cli(capsys, "audit", "verify", "--log", str(wrong))
    assert code == 1 and out == ""
    assert err == (f"fintui: {wrong}: no audit log at this path: nothing recorded yet, "
                   "or it was deleted\n")
    code, out, err = cli(capsys, "audit", "show", "--log", str(wrong))
    assert code == 1 and "no audit log at this path" in err


def test_no_log_at_the_configured_path_fails(capsys: pytest.CaptureFixture[str]) -> None:
    configured = load_settings(None).audit.path
    code, _out, err = cli(capsys, "audit", "verify")
    assert code == 1
    assert f"{configured}: no audit log at this path: nothing recorded yet, or it was deleted" \
        in err


# ---- bytes that are not records -----------------------------------------------------------

def test_bytes_that_are_not_utf8_name_the_line(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    log = filled(tmp_path / "audit.jsonl", 3)
    rows = log.path.read_bytes().split(b"\n")
    rows[1] = rows[1].replace(b'"svc1"', b'"svc\xff"')
    log.path.write_bytes(b"\n".join(rows))
    result = log.verify()
    assert not result.ok and result.line == 2 and result.problem == "line 2: not UTF-8 text"
    code, out, err = cli(capsys, "audit", "show", "--log", str(log.path))
    assert code == 1 and "Traceback" not in err
    assert err == f"fintui: {log.path}: line 2: not UTF-8 text\n"
    assert "svc0" in out  # what comes before the damage is still shown


def test_a_torn_last_line_is_an_unfinished_write_not_damage(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = filled(tmp_path / "audit.jsonl", 3)
    intact = log.path.read_bytes()
    torn = b'{"action":"scale","actor":"torn-wri'  # the write stopped half way
    with log.path.open("ab") as handle:
        handle.write(torn)
    said_torn = f"the last {len(torn)} bytes are an unfinished write, never committed"
    result = log.verify()
    assert result.ok and result.records == 3 and result.note == said_torn
    code, said = verify_cli(capsys, log)
    assert code == 0 and said == f"{log.path}: 3 records, chain intact; {said_torn}\n"
    written = log.append(RECORD)  # the next act goes on, and says what it cut
    assert written["recovered"] == [said_torn]
    assert log.path.read_bytes() == intact + (canonical(written) + "\n").encode()
    assert log.verify() == replace(result, records=4, note="")
    code, out, err = cli(capsys, "audit", "show", "--log", str(log.path))
    assert code == 0 and err == ""
    assert out.splitlines()[-1].endswith(f"recovered: {said_torn}")


# ---- a log that no longer matches its head: append refuses --------------------------------

def test_a_log_deleted_under_a_running_console_is_not_begun_again(tmp_path: Path) -> None:
    log = filled(tmp_path / "audit.jsonl", 15)
    log.path.unlink()
    with pytest.raises(AuditUnavailable, match=f"the audit log {log.path} is missing but its "
                                                r"\.head is there"):
        log.append(RECORD)
    assert not log.path.exists()
    log.path.write_bytes(b"")  # truncated rather than deleted
    with pytest.raises(AuditUnavailable,
                       match=r"has 0 records but its \.head says 15.*move the log and its \.head"):
        log.append(RECORD)
    assert log.path.read_bytes() == b"" and not log.verify().ok


def test_a_log_replaced_by_a_fresh_one_is_refused(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    log = filled(tmp_path / "audit.jsonl", 15)
    fresh = filled(tmp_path / "other" / "audit.jsonl", 1)
    log.path.write_bytes(fresh.path.read_bytes())
    with pytest.raises(AuditUnavailable, match=r"has 1 records but its \.head says 15"):
        log.append(RECORD)
    code, said = verify_cli(capsys, log)
    assert code == 1 and "missing at the end" in said and "chain intact" not in said


def test_records_added_past_the_head_are_refused(tmp_path: Path) -> None:
    log = filled(tmp_path / "audit.jsonl", 3)
    old_head = log.head.read_bytes()
    log.append(RECORD)
    log.append(RECORD)
    log.head.write_bytes(old_head)  # two records more than the head knows
    assert not log.verify().ok
    with pytest.raises(AuditUnavailable, match=r"has 5 records but its \.head says 3"):
        log.append(RECORD)


def test_a_crash_between_record_and_head_is_consistent(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    log = filled(tmp_path / "audit.jsonl", 3)
    old_head = log.head.read_bytes()
    log.append(RECORD)
    log.head.write_bytes(old_head)  # the record was written, the head was not
    code, said = verify_cli(capsys, log)
    assert code == 0 and said == (f"{log.path}: 4 records, chain intact; line 4 was written "
                                  "but its append did not finish (the .head was not updated)\n")
    assert "recovered" in log.append(RECORD)
    assert json.loads(log.head.read_text())["records"] == 5
    assert log.verify().ok and log.verify().records == 5


async def test_an_action_on_a_deleted_log_fails_closed(tmp_path: Path) -> None:
    settings = load_settings(None)
    settings = replace(settings, paths=replace(settings.paths, state_dir=tmp_path),
                       audit=replace(settings.audit, path=tmp_path / "audit.jsonl"),
                       scale=replace(settings.scale, converge_timeout=2.0))
    clock = FixedClock(DEMO_START)
    cluster = DemoCluster(7, clock, 2.0)
    ops = Operations(DemoActions(cluster), settings, "alice", False, clock)
    await ops.execute(await ops.plan_scale("pricing", 4))
    ops.audit.path.unlink()
    with pytest.raises(Refused, match=r"missing but its \.head is there"):
        await ops.execute(await ops.plan_scale("pricing", 5))
    assert sum(s.service == "pricing" for s in cluster.specs) == 4  # nothing happened


# ---- the key ------------------------------------------------------------------------------

def test_a_keyed_chain_verifies_only_with_its_key(tmp_path: Path) -> None:
    key = key_file(tmp_path / "audit.key")
    log = filled(tmp_path / "audit.jsonl", 3, key_file=key)
    assert log.verify().ok and log.verify().records == 3
    assert all(r["mac"] == "hmac-sha256" for r in log.records())
    unkeyed = AuditLog(log.path).verify()
    assert not unkeyed.ok and unkeyed.line == 1
    assert unkeyed.problem == "line 1 is keyed (HMAC): set [audit] key_file to verify"
    other = key_file(tmp_path / "other.key", b"o" * 32)
    wrong = AuditLog(log.path, key_file=other).verify()
    assert not wrong.ok and wrong.line == 1 and "HMAC" in wrong.problem
    with pytest.raises(AuditUnavailable, match="keyed"):
        AuditLog(log.path).append(RECORD)  # no plain record after keyed ones
    with pytest.raises(AuditUnavailable, match="HMAC"):
        AuditLog(log.path, key_file=other).append(RECORD)


def test_a_log_rebuilt_without_the_key_fails(tmp_path: Path) -> None:
    key = key_file(tmp_path / "audit.key")
    log = filled(tmp_path / "audit.jsonl", 3, key_file=key)
    # Someone without the key writes a consistent plain chain, head included, over it.
    forged = filled(tmp_path / "forged" / "audit.jsonl", 3)
    log.path.write_bytes(forged.path.read_bytes())
    log.head.write_bytes(forged.head.read_bytes())
    assert AuditLog(log.path).verify().ok  # without the key it cannot be told...
    result = log.verify()  # ...with it, it can
    assert not result.ok and result.line == 1 and "without the key" in result.problem
    # Or with HMACs under a key of their own:
    guessed = key_file(tmp_path / "guess.key", b"g" * 32)
    forged = filled(tmp_path / "forged2" / "audit.jsonl", 3, key_file=guessed)
    log.path.write_bytes(forged.path.read_bytes())
    log.head.write_bytes(forged.head.read_bytes())
    result = log.verify()
    assert not result.ok and result.line == 1 and "do not match its HMAC" in result.problem


@pytest.mark.parametrize(("make", "words"), [
    (lambda p: p, "does not exist"),
    (lambda p: key_file(p, b"short"), "holds 5 bytes; a key needs 16 or more"),
    (lambda p: key_file(p, perms=0o640), "open to group or others (mode 0640): chmod 600"),
    (lambda p: key_file(p, perms=0o604), "open to group or others"),
    (lambda p: (p.mkdir(mode=0o700), p)[1], "is not a file"),
])
def test_an_unusable_key_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         make: Callable[[Path], Path], words: str) -> None:
    path = make(tmp_path / "audit.key")
    log = AuditLog(tmp_path / "audit.jsonl", key_file=path)
    with pytest.raises(AuditUnavailable, match=re.escape(words)):
        log.append(RECORD)
    assert not log.path.exists()  # nothing written
    config = tmp_path / "fintui.toml"
    config.write_text(f'[audit]\npath = "{log.path}"\nkey_file = "{path}"\n')
    code, out, err = cli(capsys, "--config", str(config), "audit", "verify")
    assert code == 2 and out == "" and words in err and len(err.splitlines()) == 1


def test_the_configured_key_is_used_by_operations_and_the_cli(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = key_file(tmp_path / "audit.key")
    log_path = tmp_path / "audit.jsonl"
    config = tmp_path / "fintui.toml"
    config.write_text(f'[audit]\npath = "{log_path}"\nkey_file = "{key}"\n')
    settings = load_settings(config)
    settings = replace(settings, paths=replace(settings.paths, state_dir=tmp_path))
    clock = FixedClock(DEMO_START)
    ops = Operations(DemoActions(DemoCluster(7, clock, 2.0)), settings, "alice", False, clock)
    ops.record("ack", "pricing", {"rule": "cpu"})
    assert [r.get("mac") for r in ops.audit.records()] == ["hmac-sha256"]
    code, out, _err = cli(capsys, "--config", str(config), "audit", "verify")
    assert code == 0 and out == f"{log_path}: 1 records, chain intact\n"
    code, _out, err = cli(capsys, "audit", "verify", "--log", str(log_path))  # no key set
    assert code == 1 and "line 1 is keyed (HMAC): set [audit] key_file to verify" in err


# ---- file modes ---------------------------------------------------------------------------

def test_log_and_head_are_owner_only_whatever_the_umask(tmp_path: Path, umask000: None) -> None:
    log = filled(tmp_path / "new" / "state" / "audit.jsonl", 2)
    assert (mode(log.path), mode(log.head)) == (0o600, 0o600)
    assert mode(tmp_path / "new") == mode(tmp_path / "new" / "state") == 0o700
    assert not log.head.with_name(log.head.name + ".tmp").exists()


def test_a_wide_log_is_tightened_on_append(tmp_path: Path, umask000: None) -> None:
    log = filled(tmp_path / "audit.jsonl", 1)
    os.chmod(log.path, 0o666)
    os.chmod(log.head, 0o644)
    log.append(RECORD)
    assert (mode(log.path), mode(log.head)) == (0o600, 0o600)


def _another_group() -> str | None:
    ours = [g for g in os.getgroups() if g != os.getgid()]
    if not ours and os.geteuid() == 0:
        ours = [g.gr_gid for g in grp.getgrall() if g.gr_gid != os.getgid()][:1]
    return grp.getgrgid(ours[0]).gr_name if ours else None


def test_a_group_gets_0640_and_ownership(tmp_path: Path, umask000: None) -> None:
    group = _another_group()
    if group is None:
        pytest.skip("this account is in no group but its own")
    log = AuditLog(tmp_path / "logs" / "audit.jsonl", group=group)
    log.append(RECORD)
    gid = grp.getgrnam(group).gr_gid
    for path in (log.path, log.head):
        assert mode(path) == 0o640 and path.stat().st_gid == gid
    assert mode(tmp_path / "logs") == 0o750 and (tmp_path / "logs").stat().st_gid == gid


def test_a_group_that_cannot_be_given_says_why(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(AuditUnavailable, match="group 'no-such-auditors' does not exist"):
        AuditLog(tmp_path / "audit.jsonl", group="no-such-auditors").append(RECORD)
    group = grp.getgrgid(os.getgid()).gr_name

    def refuse(fd: int, uid: int, gid: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "fchown", refuse)
    monkeypatch.setattr(os, "fstat", lambda fd, real=os.fstat: _other_gid(real(fd)))
    with pytest.raises(AuditUnavailable, match=f"cannot give .* to group {group}: Operation "
                                               "not permitted"):
        AuditLog(tmp_path / "audit.jsonl", group=group).append(RECORD)


def _other_gid(info: os.stat_result) -> os.stat_result:
    fields = list(info)
    fields[stat.ST_GID] = info.st_gid + 1
    return os.stat_result(fields)


# ---- found by a fresh tester ----------------------------------------------------------------

def test_with_a_key_dropping_the_newest_records_and_rewriting_the_head_fails(
        tmp_path: Path) -> None:
    """The head's count and last hash are readable in the log: without its own HMAC, a new
    head for a truncated keyed log would pass."""
    key = key_file(tmp_path / "audit.key")
    log = filled(tmp_path / "audit.jsonl", 5, key_file=key)
    kept = log.path.read_text().splitlines(keepends=True)[:2]
    log.path.write_text("".join(kept))
    log.head.write_text(json.dumps({"records": 2, "hash": json.loads(kept[-1])["hash"]}))
    result = log.verify()
    assert not result.ok
    assert "its HMAC is missing or wrong: it was written without the key" in result.problem
    with pytest.raises(AuditUnavailable, match="written without the key"):
        log.append({"time": "2026-03-02T00:00:00Z", "action": "scale"})


def test_an_emptied_log_without_its_head_fails(tmp_path: Path) -> None:
    log = filled(tmp_path / "audit.jsonl", 3)
    log.path.write_text("")
    log.head.unlink()
    result = log.verify()
    assert not result.ok and "empty and has no .head" in result.problem


async def test_a_refusal_on_a_broken_log_is_one_refusal_not_a_traceback(
        tmp_path: Path) -> None:
    settings = load_settings(None)
    settings = replace(settings, paths=replace(settings.paths, state_dir=tmp_path),
                       audit=replace(settings.audit, path=tmp_path / "audit.jsonl"))
    clock = FixedClock(DEMO_START)
    ops = Operations(DemoActions(DemoCluster(7, clock, 2.0)), settings, "alice", False, clock)
    await ops.execute(await ops.plan_scale("pricing", 4))
    ops.audit.path.unlink()
    # The plan refuses (a standalone container), and its refusal cannot be recorded either:
    with pytest.raises(Refused) as refused:
        await ops.plan_scale("fix-gateway", 2)
    message = str(refused.value)
    assert message.startswith("fix-gateway is a standalone container")
    assert "(and the audit log" in message and "missing but its .head is there" in message
    plan = await ops.plan_scale("pricing", 5)  # a plan writes nothing; running it must
    with pytest.raises(Refused) as refused:
        await ops.execute(plan)
    assert str(refused.value).startswith("the audit log")  # the CLI adds one "refused: "


def test_audit_show_says_what_a_compose_scale_removed(tmp_path: Path) -> None:
    """A compose scale's result lists removed replicas by name: `audit show` skipped its
    `changed:` line, taking them for a clean's removals, so a scale-down showed nothing."""
    from fintui.ops.audit import AuditLog

    log = AuditLog(tmp_path / "audit.jsonl")
    base = {"time": "2026-11-25T01:12:09Z", "actor": "ops", "user": "ops", "uid": 0,
            "role": "operator", "action": "scale", "target": "fe/web", "plan": [],
            "parameters": {"replicas": 2}}
    log.append({**base, "outcome": "started"})
    log.append({**base, "outcome": "ok", "result": {
        "created": [], "removed": ["fe-web-3"], "from": 3, "to": 2,
        "done": ["removed fe-web-3"]}})
    shown = list(log.show())
    assert shown[-1] == "    changed: removed fe-web-3", shown
