"""How policy and approval rows read: in the pane's tables, in `fintui policies`' 80 columns,
and as JSON (every field there and back)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from rich.cells import cell_len

from fintui.core.policy_rows import ARMED, ELSEWHERE, REFUSED, ApprovalRow, PolicyRow
from fintui.core.policy_view import (
    APPROVAL_CAPS,
    APPROVAL_HEADERS,
    NOT_RUNNING,
    POLICY_CAPS,
    POLICY_HEADERS,
    approval_detail,
    approval_table,
    days_text,
    expiry,
    policies_text,
    policy_detail,
    policy_table,
    rows_document,
    rows_of,
    runner_text,
    scope_text,
    stable_widths,
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
    lines = policies_text(policies, [request(7, summary="scale\n" + long)], NOW, 80)
    assert all(cell_len(line) <= 80 for line in lines)
    assert not any("…" in line for line in lines)  # wrapped, never cut
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
        "open (armed): next: Wed 09:00 Asia/Shanghai → 6 · last: done: scale pricing to 6 (1h ago) "
        "· proposes, does not act")
    assert approval_detail(request(4), NOW) == (
        "#4 pending: scale pricing from 2 to 0 · why: [guard] approve lists scale-to-zero · "
        "expires 10:25:00 UTC (in 25m)")


def test_piped_the_verbs_text_keeps_every_word_of_a_long_row() -> None:
    why = "isolation this hour already: a second fault on fe-rc-svc is proposed " * 2
    decided = replace(request(9, "rejected"), decided_by="bob", why=why.strip())
    lines = policies_text([PolicyRow("burst", "autoscale", "pricing", ARMED,
                                     next="out to 7 at 3 > 70 " * 6)], [decided], NOW)
    text = "\n".join(lines)
    assert "…" not in text and why.strip() in text and "rejected by bob" in text
    assert ("out to 7 at 3 > 70 " * 6).strip() in text
    wrapped = policies_text([], [decided], NOW, 40)
    assert all(len(line) <= 40 for line in wrapped)
    assert " ".join(" ".join(wrapped).split()).count("fe-rc-svc") == 2


def test_the_request_line_says_when_it_expires_and_who_decided() -> None:
    assert "expires 10:25:00 UTC (in 25m)" in approval_detail(request(4), NOW)
    decided = replace(request(5, "rejected"), decided_by="bob")
    assert approval_detail(decided, NOW) == (
        "#5 rejected: scale pricing from 2 to 0 · why: [guard] approve lists scale-to-zero · "
        "rejected by bob")
    assert "approved by carol" in approval_detail(replace(request(6, "done"),
                                                          decided_by="carol"), NOW)


def test_an_isolation_rows_service_is_the_bare_name_of_a_service_scope() -> None:
    assert scope_text((("service", "fe-rc-svc"),)) == "fe-rc-svc"
    assert scope_text((("container", "gw-*"),)) == "container gw-*"
    assert scope_text((("label", "tier=fe"),)) == "label tier=fe"
    assert scope_text(()) == "any container"


def test_a_console_says_who_runs_the_policies_as_its_rows_do() -> None:
    armed = [PolicyRow("open", "schedule", "pricing", ARMED)]
    assert runner_text(armed, True, False) == "run by this console (no agent runs)"
    other = [PolicyRow("open", "schedule", "pricing", ELSEWHERE,
                       "process 2690 runs them (/s/policies.lock)")]
    said = runner_text(other, True, False)
    assert "not run by this console" in said and "process 2690" in said
    refused = [PolicyRow("open", "schedule", "pricing", REFUSED, "read-only")]
    assert "read-only" in runner_text(refused, True, True)
    assert "not run by this console" in runner_text(refused, True, True)


def test_the_tables_columns_depend_on_the_width_not_the_text() -> None:
    short = approval_table([request(1)], NOW)
    long = approval_table([replace(request(2), target="t" * 60, requester="p" * 40,
                                   action="rollout")], NOW)
    for rows in (short, long):
        shown = stable_widths(APPROVAL_HEADERS, APPROVAL_CAPS, rows, 78)
        assert list(shown) == ["id", "state", "action", "target", "requester", "expires"]
        assert sum(w + 2 for w in shown.values()) <= 78
    policies = [PolicyRow("open", "schedule", "pricing", ARMED, next="Tue 09:00 → 6"),
                PolicyRow("b" * 30, "autoscale", "s" * 30, ARMED, last="l" * 50,
                          next="n" * 50)]
    sets = {tuple(stable_widths(POLICY_HEADERS, POLICY_CAPS,
                                [r for r in policy_table_rows(policies[:n])], 78))
            for n in (1, 2)}
    assert sets == {("name", "service", "state", "next")}


def policy_table_rows(rows: list[PolicyRow]) -> list[Any]:
    return policy_table(rows, NOW)


def test_a_scale_out_that_became_a_scale_in_is_called_out() -> None:
    from fintui.core.policy_view import drift_text

    assert drift_text("scale pricing from 2 to 4", "scale pricing from 2 to 4") == ""
    said = drift_text("scale pricing from 2 to 4", "scale pricing from 6 to 4")
    assert "scale-out" in said and "scale-in now" in said
    assert "differs" in drift_text("scale pricing from 3 to 0", "scale pricing from 4 to 0")
