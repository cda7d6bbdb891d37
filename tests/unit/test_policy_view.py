"""How policy and approval rows read: in the pane's tables, in `fintui policies`' 80 columns,
and as JSON (every field there and back)."""

from __future__ import annotations

from datetime import UTC, datetime

from rich.cells import cell_len

from fintui.core.policy_rows import ARMED, ApprovalRow, PolicyRow
from fintui.core.policy_view import (
    NOT_RUNNING,
    approval_detail,
    approval_table,
    days_text,
    expiry,
    policies_text,
    policy_detail,
    rows_document,
    rows_of,
    with_configured,
)

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def request(id: int, state: str = "pending", summary: str = "scale pricing from 2 to 0"
            ) -> ApprovalRow:
    return ApprovalRow(id, "scale", "pricing", summary, "alice", "2026-11-25T09:55:00Z",
                       "2026-11-25T10:25:00Z", state, "[guard] approve lists scale-to-zero")


def test_week_days_read_as_a_range() -> None:
    assert days_text(["mon", "tue", "wed", "thu", "fri"]) == "mon-fri"
    assert days_text(["sat", "sun"]) == "sat,sun"
    assert days_text(["fri", "mon", "wed"]) == "mon,wed,fri"


def test_a_waiting_request_says_when_it_expires_and_a_decided_one_does_not() -> None:
    assert expiry(request(1), NOW) == "in 25m"
    assert expiry(request(1), datetime(2026, 11, 25, 11, 0, tzinfo=UTC)) == "expired"
    assert expiry(request(1, "rejected"), NOW) == ""
    assert expiry(request(1, "expired"), NOW) == "expired"


def test_waiting_requests_come_first_then_the_newest() -> None:
    rows = approval_table([request(1, "done"), request(2), request(3, "rejected"),
                           request(4)], NOW)
    assert [r.key for r in rows] == ["4", "2", "3", "1"]
    assert rows[0].text("age") == "5m ago" and rows[0].text("expires") == "in 25m"


def test_a_policy_the_watch_has_not_reported_is_still_listed() -> None:
    ran = [PolicyRow("open", "schedule", "pricing", ARMED)]
    configured = [PolicyRow("open", "schedule", "pricing", "unknown"),
                  PolicyRow("burst", "autoscale", "pricing", "unknown")]
    assert [(r.name, r.state) for r in with_configured(ran, configured)] == [
        ("open", ARMED), ("burst", "unknown")]


def test_the_verbs_text_fits_80_columns_and_keeps_untrusted_text_inert() -> None:
    long = "x" * 200
    policies = [PolicyRow(long, "autoscale", "svc\x1b[31mred", NOT_RUNNING, detail=long,
                          last=long, last_at="2026-11-25T09:00:00Z", next=long)]
    lines = policies_text(policies, [request(7, summary="scale\n" + long)], NOW)
    assert all(cell_len(line) <= 80 for line in lines)
    assert not any("\x1b" in line or "\n" in line for line in lines)
    text = "\n".join(lines)
    assert "#7  pending  scale pricing  by alice 5m ago, expires in 25m" in text
    assert "why: [guard] approve lists scale-to-zero" in text
    assert "approvals: 1 waiting" in text


def test_rows_cross_json_whole() -> None:
    policies = [PolicyRow("open", "schedule", "pricing", ARMED, "d", "done: x",
                          "2026-11-25T09:00:00Z", "09:00 mon-fri", "propose")]
    approvals = [request(3, "approved")]
    document = rows_document(policies, approvals)
    assert set(document["approvals"][0]) == {
        "id", "action", "target", "summary", "requester", "requested_at", "expires_at",
        "state", "why", "decided_by"}
    assert rows_of(document) == (policies, approvals)


def test_the_lines_under_the_tables_give_a_policy_and_a_request_whole() -> None:
    row = PolicyRow("open", "schedule", "pricing", ARMED, last="done: scale pricing to 6",
                    last_at="2026-11-25T09:00:00Z", next="Wed 09:00 Asia/Shanghai → 6",
                    mode="propose")
    assert policy_detail(row, NOW) == (
        "open: next: Wed 09:00 Asia/Shanghai → 6 · last: done: scale pricing to 6 (1h ago) "
        "· proposes, does not act")
    assert approval_detail(request(4)) == (
        "#4 pending: scale pricing from 2 to 0 · why: [guard] approve lists scale-to-zero")
