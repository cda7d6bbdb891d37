"""Every pane of the console, declared once, in the order of their digits. Adding a pane is one
PaneSpec here (and its widget module and test)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from textual.app import SystemCommand

from fintui.core.alerts import alert_target
from fintui.core.container_rows import COLUMNS
from fintui.core.endpoint_view import on_endpoint
from fintui.tui.pane_spec import News, PaneSpec
from fintui.tui.panes.alerts import AlertsPane
from fintui.tui.panes.audit import AuditPane, audit_pane, show_audit
from fintui.tui.panes.containers import ContainersPane, ContainersTable
from fintui.tui.panes.forecasts import ForecastsPane
from fintui.tui.panes.gpus import GpusPane
from fintui.tui.panes.nodes import NodesPane
from fintui.tui.panes.policies import PoliciesPane, policies_pane, show_policies
from fintui.tui.panes.volumes import VolumesPane
from fintui.tui.widgets.row_table import RowTable

if TYPE_CHECKING:
    from fintui.tui.app import FintuiApp


def _containers(app: FintuiApp, id: str) -> ContainersPane:
    return ContainersPane(app.state, group=app.parts.settings.ui.group_by_service,
                          spark_width=10, may_act=app.role == "operator", id=id,
                          several_endpoints=len(app.parts.endpoints) > 1)


def _sorts(app: FintuiApp) -> Iterable[SystemCommand]:
    containers = app.main.query_one(ContainersPane)
    for col in COLUMNS:
        if col.key in containers.sortable:
            yield SystemCommand(f"Containers: sort by {col.title}", "Sort the Containers pane",
                                partial(containers.sort_by, col.key))


def _volumes(app: FintuiApp, id: str) -> VolumesPane:
    return VolumesPane(app.state, app.parts.settings.cleanup, may_act=app.role == "operator",
                       id=id, endpoints=tuple(e.name for e in app.parts.endpoints),
                       endpoint_key=app.bound_key("app.endpoint", "e"))


def _show_volumes(app: FintuiApp, news: News) -> None:
    app.main.query_one(VolumesPane).refresh_view()
    if news == "shown":
        app.refresh_disk_usage_if_old()


def _show_alerts(app: FintuiApp, news: News) -> None:
    snap = app.state.snapshot
    view = app.endpoint_view
    app.main.query_one(AlertsPane).show(
        [a for a in app.shown_alerts() if on_endpoint(a.target, view)],
        app.watcher.delivery_lines(),
        [a for a in app.watcher.alert_history() if on_endpoint(a.target, view)],
        snap.taken_at if snap else app.parts.clock.now(), view,
        frozenset(alert_target(c) for c in (snap.containers if snap else ())
                  if c.id in app.state.isolated))


def _show_forecasts(app: FintuiApp, news: News) -> None:
    app.main.query_one(ForecastsPane).show(app.watcher.forecasts, app.watcher.forecast_status())


PANES: tuple[PaneSpec, ...] = (
    # Redrawn on every sweep even while hidden: coming back to it never shows an old frame.
    PaneSpec("1", "containers", "Containers", ContainersPane, _containers,
             lambda app, news: app.main.query_one(ContainersPane).refresh_rows(),
             frozenset({"snapshot", "theme"}), ContainersTable, hidden_too=True,
             # escape clears a filter the palette cannot have opened
             palette_skip=frozenset({"containers.clear_filter"}), commands=_sorts),
    PaneSpec("2", "gpus", "GPUs", GpusPane, lambda app, id: GpusPane(app.state, id=id),
             lambda app, news: app.main.query_one(GpusPane).refresh_view(),
             frozenset({"snapshot", "shown"}), RowTable),
    PaneSpec("3", "volumes", "Volumes", VolumesPane, _volumes, _show_volumes,
             frozenset({"snapshot", "shown"}), RowTable,
             palette_skip=frozenset({"volumes.clear"})),
    PaneSpec("4", "alerts", "Alerts", AlertsPane,
             lambda app, id: AlertsPane(isolate_key=app.bound_key("alerts.isolate", "i"),
                                        id=id),
             _show_alerts, frozenset({"snapshot", "alerts", "theme", "shown"}), RowTable),
    PaneSpec("5", "forecasts", "Forecasts", ForecastsPane,
             lambda app, id: ForecastsPane(id=id), _show_forecasts,
             frozenset({"forecasts", "theme", "shown"}), RowTable),
    PaneSpec("6", "nodes", "Nodes", NodesPane,
             lambda app, id: NodesPane(app.state, drain_key=app.bound_key("nodes.drain", "d"),
                                       id=id),
             lambda app, news: app.main.query_one(NodesPane).refresh_view(),
             frozenset({"snapshot", "shown"}), RowTable),
    PaneSpec("7", "audit", "Audit", AuditPane, audit_pane, show_audit,
             frozenset({"snapshot", "theme", "acted", "shown"}), RowTable),
    PaneSpec("8", "policies", "Policies", PoliciesPane, policies_pane, show_policies,
             frozenset({"snapshot", "theme", "acted", "shown"}), RowTable),
)

PANE_BY_ID = {spec.id: spec for spec in PANES}
