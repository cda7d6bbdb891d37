"""The items of the settings' arrays of tables ([[endpoints]], [[guard.freeze]],
[[alerts.rules]], [[alerts.receivers]]), declared field by field like the settings."""

from __future__ import annotations

from dataclasses import dataclass, fields

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


def as_alert_rule(item: RuleSettings) -> AlertRule:
    return AlertRule(**{f.name: getattr(item, f.name) for f in fields(item)})


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
