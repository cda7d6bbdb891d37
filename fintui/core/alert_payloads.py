"""Webhook bodies for alerts: Alertmanager v4 JSON and Slack `{"text": ...}`. Pure.

A body is built from the alerts as they were at their transition, so every retry of a message
sends the same bytes. Receivers dedup by what is in them: Alertmanager by each alert's labels
(rule, target, severity: nothing that changes between tries) and fingerprint, plus the message's
`idempotencyKey`; a Slack message names each alert's id."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from fintui.core.alerts import Alert

ZERO_TIME = "0001-01-01T00:00:00Z"


def _iso(alert_time: Any) -> str:
    return alert_time.isoformat().replace("+00:00", "Z") if alert_time else ZERO_TIME


def alert_id(alert: Alert) -> str:
    """The same problem (rule on target) has the same id each time it fires."""
    return hashlib.sha256(f"{alert.rule}\0{alert.target}".encode()).hexdigest()[:16]


def alertmanager(receiver: str, status: str, alerts: Sequence[Alert],
                 key: str = "") -> dict[str, Any]:
    """One group of alerts that changed together, as Alertmanager's webhook v4 sends it."""
    items: list[dict[str, Any]] = []
    label_sets: list[dict[str, str]] = []
    for a in alerts:
        labels = {"alertname": a.rule, "target": a.target, "severity": a.severity}
        label_sets.append(labels)
        items.append({
            "status": "resolved" if a.state == "resolved" else "firing",
            "labels": labels,
            "annotations": {"value": f"{a.value:g}", "runbook": a.runbook,
                            "fault": "isolate" if a.faulty else ""},
            "startsAt": _iso(a.fired or a.started),
            "endsAt": _iso(a.resolved),
            "generatorURL": "",
            "fingerprint": alert_id(a),
        })
    common = {k: v for k, v in (label_sets[0].items() if label_sets else ())
              if all(labels.get(k) == v for labels in label_sets)}
    return {"version": "4", "groupKey": f"fintui:{receiver}:{status}", "truncatedAlerts": 0,
            "status": status, "receiver": receiver, "groupLabels": {},
            "commonLabels": common, "commonAnnotations": {}, "externalURL": "",
            "alerts": items, **({"idempotencyKey": key} if key else {})}


def slack(status: str, alerts: Sequence[Alert]) -> dict[str, Any]:
    lines = [f"[{status.upper()}] {len(alerts)} alert(s) from fintui"]
    for a in alerts:
        lines.append(f"• {a.severity}: {a.rule} on {a.target} (value {a.value:g})"
                     + (f" — {a.runbook}" if a.runbook and status == "firing" else "")
                     + f" [id {alert_id(a)}]")
    return {"text": "\n".join(lines)}
