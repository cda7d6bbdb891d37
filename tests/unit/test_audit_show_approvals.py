"""`fintui audit show` tells an auditor who asked for an act, who approved or rejected it, what
made a policy act and where its evidence went, without reading the JSON."""

from __future__ import annotations

from pathlib import Path

from fintui.core.audit_details import details
from fintui.ops.audit import AuditLog


def test_an_approved_act_names_its_request_requester_and_approver() -> None:
    lines = details({"action": "scale", "outcome": "ok", "request": 7, "requester": "alice",
                     "approver": "bob", "parameters": {"replicas": 0}})
    assert "    request: #7, asked by alice, approved by bob" in lines


def test_a_waiting_request_says_why_it_waits() -> None:
    lines = details({"action": "scale", "outcome": "pending", "request": 3,
                     "requester": "alice", "why": "[guard] approve lists scale-to-zero"})
    assert lines == ["    request: #3, asked by alice, because [guard] approve lists "
                     "scale-to-zero"]


def test_a_policys_isolation_says_why_and_where_the_bundle_is() -> None:
    lines = details({"action": "isolate", "outcome": "ok", "actor": "policy:sick",
                     "parameters": {"why": "alert sick fired on web.1; 0 of 1 this hour"},
                     "result": {"bundle": "/state/forensics/web.1-20261125"}})
    assert "    why: alert sick fired on web.1; 0 of 1 this hour" in lines
    assert "    bundle: /state/forensics/web.1-20261125" in lines


def test_a_rejection_shows_its_comment_as_a_comment(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.append({"time": "2026-11-25T10:00:00Z", "actor": "bob", "user": "bob",
                "role": "operator", "action": "scale", "target": "pricing",
                "outcome": "rejected", "error": "not during the open", "request": 3,
                "requester": "alice", "rejected_by": "bob"})
    shown = list(log.show())
    assert "comment: not during the open" in shown[0] and "error" not in shown[0]
    assert "    request: #3, asked by alice, rejected by bob" in shown
