"""The Policies pane (8): each policy (schedule, autoscale, automatic isolation) with its
state, last act and next one, and the requests waiting for a second operator, which `a`
approves and `r` rejects. Rows come from the watch shown: the agent's (asked over its socket,
at most every few seconds while this pane is shown) or the console's own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import replace
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
    APPROVAL_CAPS,
    APPROVAL_HEADERS,
    NOBODY,
    PENDING,
    POLICY_CAPS,
    POLICY_HEADERS,
    approval_detail,
    approval_table,
    configured_rows,
    pending_count,
    policy_detail,
    policy_table,
    runner_text,
    stable_widths,
    unrun,
    with_configured,
)
from fintui.core.table_rows import Header, Row
from fintui.tui.approval_flows import approve_flow, reject_flow, role_of
from fintui.tui.key_order import hold_keys_for
from fintui.tui.pane_spec import News
from fintui.tui.widgets.navigation import bound_id
from fintui.tui.widgets.row_feed import Palette, feed, fitted_columns
from fintui.tui.widgets.row_table import RowTable
from fintui.tui.widgets.safe import safe_block
from fintui.watch.policy_holder import runner_pid
from fintui.watch.reads import StateUnavailable

if TYPE_CHECKING:
    from fintui.tui.app import FintuiApp
    from fintui.watch.watch import Watch

EMPTY = ("No policies configured. Add [[policies.schedule]] (scale a service at a time of "
         "day) or [[policies.autoscale]] (scale on CPU, memory or an alert metric) to the "
         "config, or action = \"isolate\" to an [[alerts.rules]] item; `fintui config check` "
         "checks them.")
NOT_REPORTED = "not reported by the watch yet"
AWAY = f"{NOBODY}; requests unknown"


class PoliciesPane(Vertical):
    BINDINGS = [
        Binding("a", "approve", "Approve", id="policies.approve"),
        Binding("r", "reject", "Reject", id="policies.reject"),
    ]
    DEFAULT_CSS = """
    PoliciesPane { height: 1fr; }
    PoliciesPane #policies-status { height: auto; max-height: 5; padding: 0 1; }
    PoliciesPane #approvals-status { height: auto; max-height: 3; padding: 0 1; }
    PoliciesPane #approval-detail { height: auto; padding: 0 1; color: $text-muted; }
    PoliciesPane #policies-table { height: auto; max-height: 40%; }
    PoliciesPane #policy-detail { height: auto; padding: 0 1; color: $text-muted; }
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
        self.requests_known = True  # False: the agent is away, its requests unknown
        self._pending: set[int] = set()  # the waiting requests shown last
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
            self._take_agent(watch, configured)
        if not self._reading:
            self._reading = True
            self._read(watch, configured, fresh)

    @work(group="policies-read", exit_on_error=False)
    async def _read(self, watch: Watch | AttachedWatch, configured: Sequence[PolicyRow],
                    fresh: bool) -> None:
        try:
            if isinstance(watch, AttachedWatch):
                if await watch.read_policies(fresh):
                    self._take_agent(watch, configured)
                return
            problem = ""
            try:
                approvals = await asyncio.to_thread(watch.approval_rows)
            except StateUnavailable as exc:
                approvals, problem = self.approvals, f"requests not read: {exc}"
            policies = with_configured(watch.policy_rows(), configured)
            holder = None  # this console runs them, or says why not: its rows say
            if not watch.deliver:  # the agent went (or never came): does anything run them?
                holder = await asyncio.to_thread(
                    runner_pid, watch.parts.settings.paths.state_dir)
                policies = unrun(policies) if holder is None else policies
            # What the rows say: another process's lock, or --read-only, wins over hope.
            where = runner_text(policies, watch.deliver, watch.parts.read_only, holder)
            self._take(policies, approvals, where, problem)
        finally:
            self._reading = False

    def _take_agent(self, watch: AttachedWatch, configured: Sequence[PolicyRow]) -> None:
        if watch.policies_away:  # nothing runs them: the configured ones, said unknown
            self._take([replace(c, state=UNKNOWN, detail="the agent is away")
                        for c in configured], [], AWAY, watch.policies_problem, False)
        else:
            self._take(watch.policy_rows(), watch.approval_rows(), "run by the agent",
                       watch.policies_problem)

    def _take(self, policies: list[PolicyRow], approvals: list[ApprovalRow], where: str,
              problem: str, known: bool = True) -> None:
        self.policies, self.approvals, self.where, self.problem = (policies, approvals,
                                                                   where, problem)
        self.requests_known = known
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
            feed(table, fitted_columns(POLICY_HEADERS, rows, self._widths(
                POLICY_HEADERS, POLICY_CAPS, rows)), rows, palette)
        else:  # why none could be read, or none configured and how to add one
            status.update(safe_block(self.problem or EMPTY))
        table.display = bool(self.policies)
        self._show_detail()
        waiting = pending_count(self.approvals)
        approve, reject = self.keys
        keys = (f" · {approve} approves, {reject} rejects the selected one" if waiting
                and self.may_act() else " · a viewer: you may look, not decide" if waiting
                else "")
        between = " · Tab moves between the tables" if self.policies and self.approvals \
            else ""
        said = (f"{waiting} request(s) waiting for approval" if waiting else
                "no request waiting for approval" if self.requests_known else
                "requests unknown (the agent is away)")
        self.query_one("#approvals-status", Static).update(safe_block(said + keys + between))
        rows = approval_table(self.approvals, now)
        approvals = self.query_one("#approvals-table", RowTable)
        feed(approvals, fitted_columns(APPROVAL_HEADERS, rows, self._widths(
            APPROVAL_HEADERS, APPROVAL_CAPS, rows)), rows, palette)
        approvals.display = bool(rows)
        self._follow_pending(approvals)
        self._show_request()

    def _widths(self, headers: Sequence[Header], caps: dict[str, int], rows: Sequence[Row]
                ) -> dict[str, int] | None:
        """The columns for this width, the same set whatever the text (None before the
        first layout: all of them)."""
        room = self.size.width - 2  # a vertical scrollbar's cells, when one comes
        return stable_widths(headers, caps, rows, room) if room > 0 else None

    def _follow_pending(self, table: RowTable) -> None:
        """New requests waiting: a cursor left on a decided one moves to the first waiting
        one (they are listed first), so that `a` / `r` act on what the header counts."""
        pending = {r.id for r in self.approvals if r.state == PENDING}
        arrived, self._pending = pending - self._pending, pending
        row = self.selected()
        if pending and (row is None or (arrived and row.state != PENDING)):
            table.move_cursor(0)

    @on(RowTable.Highlighted, "#policies-table")
    def _show_detail(self) -> None:
        key = self.query_one("#policies-table", RowTable).selected_key()
        row = next((p for p in self.policies if f"{p.kind}/{p.name}" == key), None)
        detail = self.query_one("#policy-detail", Static)
        # Whole, wrapped on as many lines as it needs (the tables give way).
        detail.update(safe_block(policy_detail(row, self.now()) if row else ""))
        detail.display = row is not None

    @on(RowTable.Highlighted, "#approvals-table")
    def _show_request(self) -> None:
        row = self.selected()
        detail = self.query_one("#approval-detail", Static)
        # The selected request named whole: the table's cursor may be blurred (the policies
        # table focused), this line says which one `a` / `r` decide.
        detail.update(safe_block(f"selected: {approval_detail(row, self.now())}" if row
                                 else ""))
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
        row = self.selected() or next(
            (r for r in self.approvals if r.state == PENDING), None)
        if row is None:
            self.notify("no request to decide: requests waiting for approval are listed "
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

