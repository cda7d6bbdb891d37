"""Approving and rejecting a request from the Policies pane: the same road as every act of the
console (the guard speaks, the operator confirms, progress shows, the Audit pane reads it
again), through the agent while attached, else this process's operations layer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fintui.agent.attached import AttachedWatch
from fintui.agent.remote_ops import reject_request
from fintui.core.policy_rows import ApprovalRow
from fintui.core.policy_view import PENDING
from fintui.ops.plan import Refused
from fintui.tui.screens.actions import ConfirmScreen
from fintui.tui.screens.approval import (
    ApprovalProgressScreen,
    RejectScreen,
    approval_plan,
    preview_approval,
)
from fintui.tui.widgets.safe import safe_line

if TYPE_CHECKING:
    from fintui.tui.app import FintuiApp


def role_of(app: FintuiApp) -> tuple[str, str]:
    """This account's role where its acts are judged (the agent's word while attached), and
    on what basis."""
    remote = app.agent_role if isinstance(app.watcher, AttachedWatch) else None
    if remote is not None:
        return remote.role, remote.role_basis
    return app.ops.role, app.ops.role_basis


def viewer_reason(app: FintuiApp, what: str) -> str:
    """Why a viewer may not approve or reject; "" for an operator."""
    role, basis = role_of(app)
    if role == "operator":
        return ""
    return (f"{what} refused: this account is a {role}" + (f" ({basis})" if basis else "")
            + "; deciding a request needs the operator role")


def _undecidable(app: FintuiApp, row: ApprovalRow, what: str) -> bool:
    """Say so (and stop) when the request is not one to decide, or this account may not."""
    refusal = viewer_reason(app, what)
    if refusal:
        app.notify(safe_line(refusal), title=f"{what} refused", severity="error",
                   markup=False, timeout=8)
        return True
    if row.state != PENDING:
        app.notify(safe_line(f"request {row.id} is {row.state}: nothing to {what}"),
                   markup=False)
        return True
    return False


async def approve_flow(app: FintuiApp, row: ApprovalRow) -> None:
    """Show what approving runs, ask, then approve it as this account and show its run."""
    try:
        if _undecidable(app, row, "approve"):
            return
        ops = app.ops_for("")
        try:  # what it runs as planned now: the guard speaks before anyone is asked
            planned = await preview_approval(ops, row.id)
        except Refused as exc:
            app.refused("approve", exc)
            return
        plan = approval_plan(row, planned, app.parts.clock.now())
        if not await app.push_screen_wait(ConfirmScreen(plan)):
            app.notify("cancelled: nothing changed", markup=False)
            return
        await app.push_screen_wait(ApprovalProgressScreen(ops, plan, row.id))
        app.watcher.wake()
        app.acted()
    finally:
        app.release_keys()


async def reject_flow(app: FintuiApp, row: ApprovalRow) -> None:
    """Ask for an optional comment, then reject the request as this account."""
    try:
        if _undecidable(app, row, "reject"):
            return
        comment = await app.push_screen_wait(RejectScreen(row))
        if comment is None:
            app.notify("cancelled: nothing changed", markup=False)
            return
        try:
            said = await reject_request(app.ops_for(""), row.id, comment)
        except Refused as exc:
            app.refused("reject", exc)
            return
        app.notify(safe_line(said or f"request {row.id} rejected"), markup=False)
        app.acted()
    finally:
        app.release_keys()
