"""The items of the settings' arrays of tables ([[endpoints]], [[guard.freeze]],
[[alerts.rules]], [[alerts.receivers]]), declared field by field like the settings."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from fintui.config_checks import (
    ACTIONS,
    DAYS,
    RULE_OPS,
    SEVERITIES,
    between,
    clock_time,
    endpoint_name,
    endpoint_url,
    http_url,
    one_of,
    scope,
    span,
    string_values,
    subset,
    timezone,
)
from fintui.config_schema import given, optional, pairs
from fintui.core.metrics import METRIC_NAMES
from fintui.model import AlertRule


@dataclass(frozen=True, slots=True)
class EndpointSettings:
    """One Docker daemon the console watches ([[endpoints]])."""

    name: str = given("str", "shown per row, filter with @name, --endpoint name", endpoint_name,
                      allowed="1-24 letters, digits, '.', '_' or '-'")
    url: str = given("str", "where the daemon listens", endpoint_url,
                     allowed="unix://, tcp://, https://, ssh://user@host[:port]")
    # A folder with ca.pem, cert.pem, key.pem; tcp:// then uses TLS.
    tls_cert_path: str = optional("str", "", "optional: ca.pem, cert.pem, key.pem for TLS")


@dataclass(frozen=True, slots=True)
class FreezeWindow:
    name: str = given("str", "shown when an act is refused")
    days: tuple[str, ...] = given("strings", "days it applies", subset(DAYS),
                                  allowed=", ".join(DAYS), convert=tuple)
    start: str = given("str", "when it begins, local to `timezone`", clock_time,
                       allowed="HH:MM")
    end: str = given("str", "when it ends", clock_time, allowed="HH:MM")
    timezone: str = given("str", "where the clock times are read", timezone,
                          allowed="an IANA time zone")
    actions: tuple[str, ...] = given("strings", "the acts it refuses", subset(ACTIONS),
                                     allowed=", ".join(ACTIONS), convert=tuple)


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """One [[alerts.rules]] item; built into the model's AlertRule."""

    name: str = given("str", "the alert's name")
    metric: str = given("str", "what is measured (see the metrics table)", one_of(METRIC_NAMES),
                        allowed="a metric's name")
    op: str = given("str", "how it is compared", one_of(RULE_OPS), allowed=" ".join(RULE_OPS))
    threshold: float = given("float", "what the value is compared with", between(-1e18, 1e18),
                             allowed="a finite number")
    for_seconds: float = given("duration", "how long it must hold before firing",
                               span("0s", "7d"), key="for", allowed="0s to 7d")
    severity: str = given("str", "how bad it is", one_of(SEVERITIES),
                          allowed=", ".join(SEVERITIES))
    scope: tuple[tuple[str, str], ...] = optional("pairs", (), "service, container or label",
                                                  scope, convert=pairs)
    runbook: str = optional("str", "", "shown with the alert")
    action: str = optional("str", "", '"isolate": isolate the faulty container automatically',
                           one_of(("", "isolate")), allowed='"" or "isolate"')
    max_per_hour: int = optional("int", 1, "automatic isolations per service in an hour; "
                                 "beyond, proposed", between(0, 1000), allowed="0 to 1000")
    max_fraction: float = optional("float", 0.5, "the most of a service's replicas isolated "
                                   "at once", between(0.0, 1.0), allowed="0 to 1")

    @staticmethod
    def item_problem(item: dict[str, Any]) -> tuple[str, str] | None:
        """(key, what is wrong) for what spans fields."""
        if item.get("action") == "isolate" and not item["metric"].startswith("container."):
            return "action", "isolate needs a container metric (a fault signature's)"
        if item.get("action") == "isolate" and not item.get("scope"):
            # Unscoped, it would isolate any container of the host that fires, anyone's.
            return "action", ("isolate needs a scope (service, container or label): "
                              "without one it would isolate any container on the host")
        return None


def as_alert_rule(item: RuleSettings) -> AlertRule:
    # A rule that isolates is a fault signature: its alert offers the isolate key too.
    return AlertRule(**{f.name: getattr(item, f.name) for f in fields(item)},
                     faulty=item.action == "isolate")


@dataclass(frozen=True, slots=True)
class ReceiverSettings:
    name: str = given("str", "the receiver's name")
    url: str = given("str", "where to POST", http_url, allowed="http://, https://")
    format: str = given("str", "the body's shape", one_of(("alertmanager", "slack")),
                        allowed="alertmanager, slack")
    severities: tuple[str, ...] = given("strings", "which alerts it gets", subset(SEVERITIES),
                                        allowed=", ".join(SEVERITIES), convert=tuple)
    # Values may be "env:NAME": read at send time.
    headers: tuple[tuple[str, str], ...] = optional("pairs", (), "HTTP headers", string_values,
                                                    convert=pairs)
