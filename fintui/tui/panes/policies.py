"""The Policies pane (8): each policy (schedule, autoscale, automatic isolation) with its
state, last act and next one, and the requests waiting for a second operator, which `a`
approves and `r` rejects. Rows come from the watch shown: the agent's (asked over its socket,
at most every few seconds while this pane is shown) or the console's own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, cast

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from fintui.agent.attached import AttachedWatch
from fintui.core.policy_rows import UNKNOWN, ApprovalRow, PolicyRow
from fintui.core.policy_view import (
    APPROVAL_HEADERS,
    POLICY_HEADERS,
    approval_detail,
    approval_table,
    configured_rows,
    pending_count,
    policy_detail,
    policy_table,
    with_configured,
)
from fintui.core.text_safety import one_line
from fintui.tui.approval_flows import approve_flow, reject_flow, role_of
from fintui.tui.key_order import hold_keys_for
from fintui.tui.pane_spec import News
from fintui.tui.widgets.navigation import bound_id
from fintui.tui.widgets.row_feed import Palette, feed, fitted_columns
from fintui.tui.widgets.row_table import RowTable
from fintui.tui.widgets.safe import safe, safe_block
from fintui.watch.reads import StateUnavailable

if TYPE_CHECKING:
    from fintui.tui.app import FintuiApp
    from fintui.watch.watch import Watch

EMPTY = ("No policies configured. Add [[policies.schedule]] (scale a service at a time of "
         "day) or [[policies.autoscale]] (scale on CPU, memory or an alert metric) to the "
         "config, or action = \"isolate\" to an [[alerts.rules]] item; `fintui config check` "
         "checks them.")
NOT_REPORTED = "not reported by the watch yet"


class PoliciesPane(Vertical):
    BINDINGS = [
        Binding("a", "approve", "Approve", id="policies.approve"),
        Binding("r", "reject", "Reject", id="policies.reject"),
    ]
    DEFAULT_CSS = """
    PoliciesPane { height: 1fr; }
    PoliciesPane #policies-status { height: auto; max-height: 5; padding: 0 1; }
    PoliciesPane #approvals-status { height: auto; max-height: 2; padding: 0 1; }
    PoliciesPane #approval-detail { height: auto; max-height: 3; padding: 0 1;
                                    color: $text-muted; }
    PoliciesPane #policies-table { height: auto; max-height: 50%; }
    PoliciesPane #policy-detail { height: auto; max-height: 4; padding: 0 1;
                                  color: $text-muted; }
    PoliciesPane #approvals-table { height: 1fr; }
    """

    def __init__(self, may_act: Callable[[], bool], now: Callable[[], datetime],
                 keys: tuple[str, str] = ("a", "r"), id: str | None = None) -> None:
        super().__init__(id=id)
        self.may_act = may_act  # asked each time: the agent's word on the role comes later
        self.now = now
        self.keys = keys  # (approve, reject) as [keys] set them: the hint names the real keys
        self.policies: list[PolicyRow] = []
        self.approvals: list[ApprovalRow] = []
        self.where = ""  # who runs the policies, in words
        self.problem = ""  # why rows could not be read
        self._reading = False  # a read under way: a sweep meanwhile does not start another
        self._shown = False  # rows arrived at least once

    def compose(self) -> ComposeResult:
        yield Static(id="policies-status")
        yield RowTable(id="policies-table")
        # The selected policy whole (its last and next act), wrapped: at 80 columns the table
        # keeps only its name, kind, service and state.
        yield Static(id="policy-detail")
        yield Static(id="approvals-status")
        # The selected request's act and why it waits, wrapped: at 80 columns the table
        # keeps its number, state, act, target, requester and times.
        yield Static(id="approval-detail")
        yield RowTable(id="approvals-table")

    def on_resize(self) -> None:
        if self._shown and self.size.width:
            self.redraw()

    # ---- reading ---------------------------------------------------------------------------

    def reload(self, watch: Watch | AttachedWatch, configured: Sequence[PolicyRow],
               fresh: bool = False) -> None:
        """Show what the watch says now, then read what must be read off the event loop (the
        agent's rows, or the state database's requests)."""
        if isinstance(watch, AttachedWatch) and watch.policies_read:  # the rows read last
            self._take(watch.policy_rows(), watch.approval_rows(), "run by the agent",
                       watch.policies_problem)
        if not self._reading:
            self._reading = True
            self._read(watch, configured, fresh)

    @work(group="policies-read", exit_on_error=False)
    async def _read(self, watch: Watch | AttachedWatch, configured: Sequence[PolicyRow],
                    fresh: bool) -> None:
        try:
            if isinstance(watch, AttachedWatch):
                if await watch.read_policies(fresh):
                    self._take(watch.policy_rows(), watch.approval_rows(),
                               "run by the agent", watch.policies_problem)
                return
            problem = ""
            try:
                approvals = await asyncio.to_thread(watch.approval_rows)
            except StateUnavailable as exc:
                approvals, problem = self.approvals, f"requests not read: {exc}"
            where = ("run by this console (no agent runs)" if watch.deliver else
                     "not run by this console (the agent, or a console with no agent, "
                     "runs them)")
            self._take(with_configured(watch.policy_rows(), configured), approvals, where,
                       problem)
        finally:
            self._reading = False

    def _take(self, policies: list[PolicyRow], approvals: list[ApprovalRow], where: str,
              problem: str) -> None:
        self.policies, self.approvals, self.where, self.problem = (policies, approvals,
                                                                   where, problem)
        self._shown = True
        self.redraw()

    # ---- drawing ---------------------------------------------------------------------------

    def redraw(self) -> None:
        if not self.is_mounted or not self._shown:
            return
        palette = Palette.of(self.app.current_theme)
        now = self.now()
        status = self.query_one("#policies-status", Static)
        table = self.query_one("#policies-table", RowTable)
        if self.policies:
            said = f"{len(self.policies)} polic{'y' if len(self.policies) == 1 else 'ies'}"
            status.update(safe_block(" · ".join(x for x in (said, self.where, self.problem)
                                                if x)))
            rows = policy_table(self.policies, now)
            feed(table, fitted_columns(POLICY_HEADERS, rows), rows, palette)
        else:  # why none could be read, or none configured and how to add one
            status.update(safe_block(self.problem or EMPTY))
        table.display = bool(self.policies)
        self._show_detail()
        waiting = pending_count(self.approvals)
        approve, reject = self.keys
        keys = (f" · {approve} approves, {reject} rejects the selected one" if waiting
                and self.may_act() else " · a viewer: you may look, not decide" if waiting
                else "")
        self.query_one("#approvals-status", Static).update(safe(
            (f"{waiting} request(s) waiting for approval" if waiting else
             "no request waiting for approval") + keys))
        rows = approval_table(self.approvals, now)
        approvals = self.query_one("#approvals-table", RowTable)
        feed(approvals, fitted_columns(APPROVAL_HEADERS, rows), rows, palette)
        approvals.display = bool(rows)
        self._show_request()

    @on(RowTable.Highlighted, "#policies-table")
    def _show_detail(self) -> None:
        key = self.query_one("#policies-table", RowTable).selected_key()
        row = next((p for p in self.policies if f"{p.kind}/{p.name}" == key), None)
        detail = self.query_one("#policy-detail", Static)
        # Three lines' worth (a fourth for what wrapping wastes), so that the end is an "…"
        # rather than a line cut off unseen.
        room = max(self.size.width - 2, 20) * 3
        detail.update(safe_block(one_line(policy_detail(row, self.now()), room) if row
                                 else ""))
        detail.display = row is not None

    @on(RowTable.Highlighted, "#approvals-table")
    def _show_request(self) -> None:
        row = self.selected()
        detail = self.query_one("#approval-detail", Static)
        room = max(self.size.width - 2, 20) * 2
        detail.update(safe_block(one_line(approval_detail(row), room) if row else ""))
        detail.display = row is not None

    def focus_table(self) -> None:
        approvals = self.query_one("#approvals-table", RowTable)
        if pending_count(self.approvals):
            approvals.focus()
        else:
            self.query_one("#policies-table", RowTable).focus()

    # ---- keys ------------------------------------------------------------------------------

    def selected(self) -> ApprovalRow | None:
        key = self.query_one("#approvals-table", RowTable).selected_key()
        return next((r for r in self.approvals if str(r.id) == key), None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("approve", "reject") and not self.may_act():
            return None  # shown, but disabled: a viewer may look, not decide
        return True

    def on_key(self, event: events.Key) -> None:
        # A viewer's greyed-out key still answers, with the reason it is refused.
        ident = bound_id(self, event.key)
        if ident in ("policies.approve", "policies.reject") and not self.may_act():
            event.stop()
            self._decide(ident == "policies.approve")

    def action_approve(self) -> None:
        self._decide(True)

    def action_reject(self) -> None:
        self._decide(False)

    def _decide(self, approve: bool) -> None:
        row = self.selected()
        if row is None:
            self.notify("no request selected: requests waiting for approval are listed "
                        "below the policies", markup=False)
            return
        hold_keys_for(self)
        # The console's act group: one act at a time, as every other act key.
        app = cast("FintuiApp", self.app)
        self.app.run_worker((approve_flow if approve else reject_flow)(app, row),
                            group="action-flow", exclusive=True, exit_on_error=False)


def policies_pane(app: FintuiApp, id: str) -> PoliciesPane:
    return PoliciesPane(lambda: role_of(app)[0] == "operator", app.parts.clock.now,
                        (app.bound_key("policies.approve", "a"),
                         app.bound_key("policies.reject", "r")), id=id)


def show_policies(app: FintuiApp, news: News) -> None:
    """Shown, a sweep while shown, or an act decided: read the rows again (a theme change
    only repaints)."""
    pane = app.main.query_one(PoliciesPane)
    if news == "theme":
        pane.redraw()
        return
    settings = app.parts.settings
    configured = configured_rows(settings.policies, settings.alerts.rules, UNKNOWN,
                                 NOT_REPORTED)
    pane.reload(app.watcher, configured, fresh=news == "acted")

