"""The screens of a decision on a request waiting for approval: what approving runs (shown on
the confirmation screen every act uses), the progress of the act it runs, and the comment a
rejection may carry."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from fintui.agent.remote_ops import Acts, RemoteOperations
from fintui.core.policy_rows import ApprovalRow
from fintui.core.policy_view import ago, drift_text, expires_at_text
from fintui.ops import approvals
from fintui.ops.plan import Failed, Plan, Refused, failure_line
from fintui.tui.screens.actions import MODAL_CSS, ProgressScreen, cut_outcome
from fintui.tui.widgets.safe import safe
from fintui.tui.widgets.typed_input import TypedInput


async def preview_approval(ops: Acts, request_id: int) -> Plan:
    """The request's act as it would run now, approved by this account (the agent's plan
    while attached); Refused (and audited) when this account may not approve it."""
    if isinstance(ops, RemoteOperations):
        return (await ops.preview_approval(request_id))[1]
    return (await approvals.preview(ops, request_id))[1]


def approval_plan(row: ApprovalRow, plan: Plan, now: datetime) -> Plan:
    """What the confirmation shows before approving: the act asked for and the act as
    planned now (its steps, its warnings, asked twice where the act itself would be), a
    warning where they differ, who asked, why it waited and when it expires (the absolute
    time: the dialog is not redrawn while it waits)."""
    asked = ago(row.requested_at, now)
    until = expires_at_text(row, now, relative=False)
    said = (f"asked by {row.requester}" + (f" {asked}" if asked else "")
            + (f", {until}" if until else "")
            + (f"; it waits because {row.why}" if row.why else ""))
    drift = drift_text(row.summary, plan.summary)
    return replace(plan, summary=f"Approve request {row.id}: {plan.summary}",
                   warnings=[*([drift] if drift else []), said, f"asked for: {row.summary}",
                             f"the act as planned now: {plan.summary}", *plan.warnings])


class ApprovalProgressScreen(ProgressScreen):
    """Approves a request and shows the act it runs, step by step, as any act's progress."""

    def __init__(self, ops: Acts, plan: Plan, request_id: int) -> None:
        super().__init__(ops, plan)
        self.request_id = request_id

    def start(self) -> None:
        self.run_approval()

    @work(exclusive=True, group="action", exit_on_error=False)
    async def run_approval(self) -> None:
        state = self.query_one("#state", Static)
        try:
            outcome = await self.ops.approve(self.request_id, self.write_line)
        except (Refused, Failed) as exc:
            self.outcome = approvals.refusal_line(exc) if isinstance(exc, Refused) else \
                failure_line(str(exc))
            state.set_classes("danger")
        else:
            self.outcome = "done"
            bundle = outcome.result.get("bundle")
            if bundle:
                self.write_line(f"forensics bundle: {bundle}")
            for warning in outcome.plan.warnings:
                self.write_line(f"note: {warning}")
        self.finished = True
        full, shown = cut_outcome(self.outcome)
        if full:
            self.write_line(full)
        state.update(safe(f"{shown}   (enter / escape to close)"))


class RejectScreen(ModalScreen[str | None]):
    """Why the request is rejected (optional, kept in the audit log). Returns the comment
    ("" for none), or None when cancelled."""

    TYPE_AHEAD = True  # a comment typed right after the key belongs here (see key_order)
    BINDINGS = [Binding("enter", "submit", "Reject", id="reject.submit", priority=True),
                Binding("escape", "dismiss(None)", "Cancel", id="reject.cancel")]
    DEFAULT_CSS = MODAL_CSS.format(name="RejectScreen")

    def __init__(self, row: ApprovalRow) -> None:
        super().__init__()
        self.row = row

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(safe(f"Reject request {self.row.id}"), classes="title")
            yield Static(safe(f"{self.row.summary} (asked by {self.row.requester})"))
            yield Static(safe("comment (optional, kept in the audit log):"))
            yield TypedInput(placeholder="why", id="comment", compact=True)
            yield Static(safe("enter: reject   escape: cancel (nothing changes)"),
                         classes="keys")
        yield Footer(compact=True)  # the form's own keys, not the pane's

    def on_mount(self) -> None:
        field = self.query_one("#comment", Input)
        field.cursor_blink = False  # a steady screen over slow SSH
        field.focus()

    def action_submit(self) -> None:
        # Enter is a priority key: queued behind the keys typed just ahead of it on the
        # field, the comment is read whole.
        field = self.query_one("#comment", Input)
        field.call_later(field.action_submit)

    @on(Input.Submitted, "#comment")
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())
