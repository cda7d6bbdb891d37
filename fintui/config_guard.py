"""The settings of who may act and what acts by itself: [guard] (roles, freeze windows,
approvals) and [policies] (schedules and autoscaling). Declared as config_tree.py declares
the rest."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fintui.config_checks import APPROVABLE, role, subset
from fintui.config_items import FreezeWindow
from fintui.config_policies import AutoscaleSettings, ScheduleSettings
from fintui.config_schema import array, duration, strings, table, text


@dataclass(frozen=True, slots=True)
class GuardSettings:
    default_role: str = text("operator", 'Role of an operator not named in `roles`: "operator" '
                             '(may act) or "viewer" (read-only).', role, "viewer, operator")
    roles: Mapping[str, str] = table(str, "Roles by OS account or by \"@group\".", role,
                                     "viewer, operator", notes="""\
By the real user id's name, never --as or $USER; "@group" matches the account's groups, e.g.
{ alice = "operator", "@trading-desk" = "viewer" }. A user's own entry wins; else, if the
account is in several listed groups, "viewer" wins over "operator". A policy acts as
"policy:<name>" (e.g. "policy:pricing-burst" = "viewer" stops it acting).""")
    freeze: tuple[FreezeWindow, ...] = array(
        FreezeWindow, "Change-freeze windows: during one, the listed actions are refused.",
        notes="""\
Unless --override-freeze "reason" is given (the override and reason are audited). Example:
  [[guard.freeze]]
  name = "market-open"
  days = ["mon", "tue", "wed", "thu", "fri"]
  start = "09:15"
  end = "09:45"
  timezone = "Asia/Shanghai"
  actions = ["scale", "clean"]   # any of scale, isolate, release, clean, drain, restart,
                               # stop, start, kill, pause, unpause, remove, shell,
                               # rollout, rollback""")
    approve: tuple[str, ...] = strings(
        (), "Acts that wait for a second operator's approval (four eyes).",
        lambda value: subset(APPROVABLE)(value) if value else None, notes="""\
Any act's name but shell, or "scale-to-zero" (a scale to 0 replicas) and "clean-named-volumes"
(a clean that removes a named volume). The request waits until another operator (not the requester)
runs `fintui approve ID` or presses the key in the Policies pane (8); `fintui reject ID`
refuses it. Proposals of policies in mode "propose" wait in the same place.""")
    approval_ttl: float = duration(
        "30m", "How long a request waits for approval before it expires (and does nothing).",
        "1m", "7d")


@dataclass(frozen=True, slots=True)
class PoliciesSettings:
    schedule: tuple[ScheduleSettings, ...] = array(
        ScheduleSettings, "Scale a service to N at a local time on given days.", notes="""\
Applied once per occurrence; after the agent was down, the latest occurrence is applied if no
other schedule of the same service has come since. Example:
  [[policies.schedule]]
  name = "open"
  service = "pricing"          # Swarm service, or compose project/service
  replicas = 6
  at = "09:00"
  days = ["mon", "tue", "wed", "thu", "fri"]
  timezone = "Asia/Shanghai\"""")
    autoscale: tuple[AutoscaleSettings, ...] = array(
        AutoscaleSettings, "Scale a service out and in on a metric of its replicas.", notes="""\
Each policy acts as "policy:<name>" through the guard (roles, freezes, approvals) and is
audited. Example:
  [[policies.autoscale]]
  name = "pricing-burst"
  service = "pricing"
  metric = "cpu"               # cpu (mean % of the running replicas, 100 = one core),
                               # memory (% of limit), or a container alert metric
  scale_out_above = 70
  scale_in_below = 20
  samples = 3
  step = 1
  min = 2
  max = 8
  cooldown = "2m"
  mode = "act"                 # or "propose": wait for an operator's approval""")
