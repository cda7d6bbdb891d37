"""The items of [[policies.schedule]] and [[policies.autoscale]], declared field by field like
the other arrays of tables (config_items.py). `item_problem` checks what spans fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fintui.config_checks import DAYS, between, clock_time, one_of, span, subset, timezone
from fintui.config_schema import given, optional
from fintui.core.metrics import METRIC_NAMES

MODES = ("act", "propose")
# `cpu` and `memory` are the replicas' mean; any container alert metric may be named too.
AUTOSCALE_METRICS = ("cpu", "memory", *(m for m in METRIC_NAMES if m.startswith("container.")))
_NAME = "letters, digits, '.', '_' or '-'"


def policy_name(value: Any) -> str | None:
    ok = bool(value) and len(value) <= 48 and all(c.isalnum() or c in "._-" for c in value)
    return None if ok else f"must be 1-48 {_NAME}"


def service_name(value: Any) -> str | None:
    return None if value.strip() and not any(c.isspace() for c in value) \
        else "must name a Swarm service, or a compose project/service"


@dataclass(frozen=True, slots=True)
class ScheduleSettings:
    name: str = given("str", "the policy's name (it acts as policy:<name>)", policy_name,
                      allowed=_NAME)
    service: str = given("str", "Swarm service, or compose project/service", service_name)
    replicas: int = given("int", "the replica count to set", between(0, 10_000),
                          allowed="0 to 10000")
    at: str = given("str", "when, local to `timezone`", clock_time, allowed="HH:MM")
    days: tuple[str, ...] = given("strings", "days it applies", subset(DAYS),
                                  allowed=", ".join(DAYS), convert=tuple)
    timezone: str = given("str", "where the time is read", timezone, allowed="an IANA time zone")
    endpoint: str = optional("str", "", "the endpoint's name (default: the first)")
    mode: str = optional("str", "act", "act, or propose (wait for approval)", one_of(MODES),
                         allowed=", ".join(MODES))
    override_freeze: str = optional("str", "", "act in a freeze window, with this reason "
                                    "(audited)")


@dataclass(frozen=True, slots=True)
class AutoscaleSettings:
    name: str = given("str", "the policy's name (it acts as policy:<name>)", policy_name,
                      allowed=_NAME)
    service: str = given("str", "Swarm service, or compose project/service", service_name)
    metric: str = given("str", "cpu, memory, or a container alert metric",
                        one_of(AUTOSCALE_METRICS), allowed="cpu, memory, container.*")
    scale_out_above: float = given("float", "scale out when the metric is above this",
                                   between(-1e18, 1e18), allowed="a finite number")
    scale_in_below: float = given("float", "scale in when the metric is below this",
                                  between(-1e18, 1e18), allowed="a finite number")
    min: int = given("int", "never fewer replicas than this", between(0, 10_000),
                     allowed="0 to 10000")
    max: int = given("int", "never more replicas than this", between(1, 10_000),
                     allowed="1 to 10000")
    samples: int = optional("int", 3, "consecutive readings past a threshold before acting",
                            between(1, 1000), allowed="1 to 1000")
    step: int = optional("int", 1, "replicas added or removed per act", between(1, 100),
                         allowed="1 to 100")
    cooldown: float = optional("duration", "2m", "the least time between two acts",
                               span("0s", "1d"), allowed="0s to 1d")
    endpoint: str = optional("str", "", "the endpoint's name (default: the first)")
    mode: str = optional("str", "act", "act, or propose (wait for approval)", one_of(MODES),
                         allowed=", ".join(MODES))
    override_freeze: str = optional("str", "", "act in a freeze window, with this reason "
                                    "(audited)")

    @staticmethod
    def item_problem(item: dict[str, Any]) -> tuple[str, str] | None:
        """(key, what is wrong) for what spans fields: the thresholds' gap, min and max."""
        if item["scale_in_below"] >= item["scale_out_above"]:
            return "scale_in_below", ("must be below scale_out_above: the gap between them "
                                      "keeps it from flapping")
        if item["min"] > item["max"]:
            return "min", "must not be above max"
        return None
