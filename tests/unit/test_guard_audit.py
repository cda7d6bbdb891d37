"""Who may act when, and the audit chain that records it."""

from __future__ import annotations

import json
import multiprocessing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fintui.config import FreezeWindow
from fintui.ops.audit import AuditLog, AuditUnavailable
from fintui.ops.guard import active_freeze, decide

OPEN = FreezeWindow("market-open", ("mon", "tue", "wed", "thu", "fri"), "09:15", "09:45",
                    "Asia/Shanghai", ("scale", "clean"))
NIGHT = FreezeWindow("batch", ("sat",), "23:00", "02:00", "UTC", ("isolate",))


def shanghai(day: int, hh: int, mm: int) -> datetime:
    # 2026-03-02 is a Monday; Shanghai is UTC+8.
    return datetime(2026, 3, day, hh - 8 if hh >= 8 else hh + 16, mm, tzinfo=UTC)


@pytest.mark.parametrize(("when", "action", "frozen"), [
    (shanghai(2, 9, 15), "scale", True),  # the first minute is inside
    (shanghai(2, 9, 44), "scale", True),
    (shanghai(2, 9, 45), "scale", False),  # the end is outside
    (shanghai(2, 9, 14), "scale", False),
    (shanghai(2, 9, 30), "isolate", False),  # not a listed action
    (shanghai(7, 9, 30), "scale", False),  # Saturday
    (datetime(2026, 3, 7, 23, 30, tzinfo=UTC), "isolate", True),  # window over midnight
    (datetime(2026, 3, 8, 1, 30, tzinfo=UTC), "isolate", False),  # Sunday is not listed
])
def test_freeze_windows(when: datetime, action: str, frozen: bool) -> None:
    assert (active_freeze((OPEN, NIGHT), action, when) is not None) == frozen


def test_decisions_viewer_freeze_override() -> None:
    inside = shanghai(2, 9, 30)
    assert not decide("scale", "viewer", (), inside).allowed
    refused = decide("scale", "operator", (OPEN,), inside)
    assert not refused.allowed and "market-open" in refused.reason
    assert "--override-freeze" in refused.reason
    overridden = decide("scale", "operator", (OPEN,), inside, "exchange asked for capacity")
    assert overridden.allowed and overridden.override == "exchange asked for capacity"
    assert not decide("scale", "operator", (OPEN,), inside, "   ").allowed  # blank is no reason
    assert not decide("scale", "viewer", (OPEN,), inside, "reason").allowed  # no override for roles


def filled(tmp_path: Path, n: int = 5) -> AuditLog:
    log = AuditLog(tmp_path / "audit.jsonl")
    for i in range(n):
        log.append({"time": f"2026-03-02T01:3{i}:00Z", "actor": "ops", "role": "operator",
                    "action": "scale", "target": f"svc{i}", "outcome": "ok"})
    return log


def lines(log: AuditLog) -> list[str]:
    return log.path.read_text().splitlines()


def test_intact_chain_verifies(tmp_path: Path) -> None:
    result = filled(tmp_path).verify()
    assert result.ok and result.records == 5


def test_edited_record_is_named(tmp_path: Path) -> None:
    log = filled(tmp_path)
    rows = lines(log)
    rows[2] = rows[2].replace('"target":"svc2"', '"target":"svc9"')
    log.path.write_text("\n".join(rows) + "\n")
    result = log.verify()
    assert not result.ok and result.line == 3 and "edited" in result.problem


@pytest.mark.parametrize("index", [0, 2])
def test_removed_record_is_named(tmp_path: Path, index: int) -> None:
    log = filled(tmp_path)
    rows = lines(log)
    del rows[index]
    log.path.write_text("\n".join(rows) + "\n")
    result = log.verify()
    assert not result.ok and result.line == index + 1 and "removed or reordered" in result.problem


def test_removed_last_record_is_found_through_the_head(tmp_path: Path) -> None:
    log = filled(tmp_path)
    log.path.write_text("\n".join(lines(log)[:-1]) + "\n")
    result = log.verify()
    assert not result.ok and result.line == 5 and "missing at the end" in result.problem


def test_swapped_records_are_named(tmp_path: Path) -> None:
    log = filled(tmp_path)
    rows = lines(log)
    rows[1], rows[2] = rows[2], rows[1]
    log.path.write_text("\n".join(rows) + "\n")
    result = log.verify()
    assert not result.ok and result.line == 2


def _writer(path: str, who: str, count: int) -> None:
    log = AuditLog(Path(path))
    for i in range(count):
        log.append({"time": "2026-03-02T01:30:00Z", "actor": who, "role": "operator",
                    "action": "scale", "target": f"{who}-{i}", "outcome": "ok"})


def test_two_processes_appending_at_once_keep_the_chain(tmp_path: Path) -> None:
    path = str(tmp_path / "audit.jsonl")
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(path, who, 40)) for who in ("a", "b")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    log = AuditLog(Path(path))
    result = log.verify()
    assert result.ok and result.records == 80
    targets = {json.loads(line)["target"] for line in lines(log)}
    assert len(targets) == 80


def test_unwritable_log_raises(tmp_path: Path) -> None:
    (tmp_path / "ro").mkdir()
    blocker = tmp_path / "ro" / "audit.jsonl"
    blocker.mkdir()  # a directory where the file should be: no one can append to it
    with pytest.raises(AuditUnavailable, match="cannot write the audit log"):
        AuditLog(blocker).append({"time": "t", "actor": "a", "role": "r", "action": "x",
                                  "target": "y", "outcome": "ok"})
