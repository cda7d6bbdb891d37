"""The Audit pane's rows (pure) and the log's tail as the pane reads it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from fintui.core.audit_rows import (
    AuditEntry,
    AuditTail,
    audit_rows,
    audit_widths,
    when,
)
from fintui.ops.audit_tail import read_tail

NOW = datetime(2026, 3, 2, 14, 0, 0, tzinfo=UTC)


def entry(outcome: str = "ok", **fields: str) -> AuditEntry:
    record = {"time": "2026-03-02T13:59:58Z", "actor": "alice", "user": "alice",
              "action": "scale", "target": "pricing", "outcome": outcome, **fields}
    return AuditEntry.of(record)


def test_newest_first_with_a_tone_and_a_word_for_every_outcome() -> None:
    entries = [entry(o, time=f"2026-03-02T13:5{i}:00Z", hash=f"h{i}")
               for i, o in enumerate(["started", "ok", "refused", "failed", "unknown", "odd"])]
    rows = audit_rows(entries, NOW)
    assert [r.key for r in rows] == ["h5", "h4", "h3", "h2", "h1", "h0"]
    assert [r.text("Time") for r in rows] == [f"13:5{i}:00" for i in range(5, -1, -1)]
    assert [(r.cells["Outcome"].text, r.cells["Outcome"].tone) for r in rows] == [
        ("odd", ""), ("unknown", "warn"), ("failed", "bad"), ("refused", "bad"),
        ("ok", "ok"), ("started", "warn")]


def test_who_names_the_os_account_when_it_differs_and_detail_says_why() -> None:
    shared = audit_rows([entry("refused", actor="bob", user="desk1",
                               error="role viewer may not scale")], NOW)[0]
    assert shared.text("Who") == "bob [desk1]"
    assert shared.text("Detail") == "role viewer may not scale"
    same = audit_rows([entry(override="hotfix INC-42", endpoint="prod")], NOW)[0]
    assert same.text("Who") == "alice"
    assert same.text("Detail") == "override: hotfix INC-42"
    assert same.text("Endpoint") == "prod"


def test_detail_says_what_a_release_or_scale_changed_from_and_to() -> None:
    rollout = AuditEntry.of({"action": "rollout", "target": "web", "outcome": "ok",
                             "parameters": {"from": "acme/web:1", "to": "acme/web:2",
                                            "canary": 1}})
    scale = AuditEntry.of({"action": "scale", "target": "web", "outcome": "failed",
                           "error": "timeout", "parameters": {"replicas": 5, "from": 3}})
    rows = {r.text("Action"): r for r in audit_rows([rollout, scale], NOW)}
    assert rows["rollout"].text("Detail") == "acme/web:1 → acme/web:2"
    assert rows["scale"].text("Detail") == "3 → 5; timeout"
    assert AuditEntry.of({"parameters": {"containers": ["a"]}}).change == ""


def test_untrusted_text_is_one_inert_line() -> None:
    row = audit_rows([entry("failed", target="web\x1b]0;owned\x07[bold]x[/]\u202e",
                            error="boom\nsecond line\x9b31m")], NOW)[0]
    assert row.text("Target") == "web\\x1b]0;owned\\x07[bold]x[/]\\u202e"
    assert row.text("Detail") == "boom\\x0asecond line\\x9b31m"
    assert all(text.isprintable() for text in (row.text(c) for c in row.cells))
    long = audit_rows([entry(target="t" * 100)], NOW)[0]
    assert len(long.text("Target")) == 40 and long.text("Target").endswith("…")


def test_times_show_in_the_consoles_zone_with_the_date_when_not_today() -> None:
    assert when(entry(time="2026-03-02T13:59:58Z"), NOW) == "13:59:58"
    assert when(entry(time="2026-03-01T23:10:00+00:00"), NOW) == "2026-03-01 23:10:00"
    later = NOW.astimezone(timezone(timedelta(hours=2)))  # the console's clock in UTC+2
    assert when(entry(time="2026-03-01T23:10:00Z"), later) == "01:10:00"
    assert when(entry(time="not a time"), NOW) == "not a time"
    assert when(entry(time=""), NOW) == "-"


def test_at_80_columns_time_who_action_target_and_outcome_stay() -> None:
    rows = audit_rows([entry("failed", target="trading/pricing-engine-blue",
                             error="x" * 200, endpoint="prod-east")], NOW)
    widths = audit_widths(rows, 78, 1)
    assert list(widths)[:5] == ["Time", "Who", "Action", "Target", "Outcome"]
    assert "Detail" not in widths  # no room left for its least width
    crowded = audit_rows([entry("failed", target="t" * 60, actor="a" * 30,
                                time="2026-02-27T09:00:00Z", endpoint="prod-east")], NOW)
    kept = audit_widths(crowded, 78, 1)
    assert list(kept) == ["Time", "Who", "Action", "Target", "Outcome"]
    assert sum(kept.values()) + 2 * len(kept) <= 78
    wide = audit_widths(rows, 158, 1)
    assert {"Endpoint", "Detail"} <= set(wide)
    assert "Endpoint" not in audit_widths(audit_rows([entry()], NOW), 158, 1)


def write(path: Path, records: list[dict[str, str]], tail: bytes = b"") -> None:
    path.write_bytes(b"".join(json.dumps(r).encode() + b"\n" for r in records) + tail)


def test_the_tail_is_the_newest_records_read_from_the_end(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    records = [{"time": "2026-03-02T10:00:00Z", "action": "scale", "target": f"s{i}",
                "outcome": "ok", "pad": "p" * 500} for i in range(400)]
    write(log, records, tail=b'{"time": "2026-03-02T11:00')  # an append cut short
    tail = read_tail(log, 200)
    assert [e.target for e in tail.entries] == [f"s{i}" for i in range(200, 400)]
    assert tail.problem == "" and tail.source == str(log)
    assert read_tail(tmp_path / "none.jsonl", 200) == AuditTail(source=str(tmp_path /
                                                                           "none.jsonl"))


def test_an_unreadable_log_or_a_bad_line_is_said_not_raised(tmp_path: Path) -> None:
    unreadable = read_tail(tmp_path, 200)  # a folder: cannot be read as a log
    assert unreadable.entries == ()
    assert unreadable.problem.startswith(f"cannot read the audit log {tmp_path}: ")
    log = tmp_path / "audit.jsonl"
    log.write_bytes(b'{"action": "scale", "outcome": "ok"}\nnot json\n[1]\n')
    tail = read_tail(log, 200)
    assert [e.action for e in tail.entries] == ["scale"]
    assert tail.problem == f"2 line(s) of {log} are not records: run `fintui audit verify`"
