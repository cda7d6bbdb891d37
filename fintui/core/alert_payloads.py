"""Webhook bodies for alerts: Alertmanager v4 JSON and Slack `{"text": ...}`. Pure."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from fintui.core.alerts import Alert

ZERO_TIME = "0001-01-01T00:00:00Z"


def _iso(alert_time: Any) -> str:
    return alert_time.isoformat().replace("+00:00", "Z") if alert_time else ZERO_TIME


def alertmanager(receiver: str, status: str, alerts: Sequence[Alert]) -> dict[str, Any]:
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
            "fingerprint": hashlib.sha256(f"{a.rule}\0{a.target}".encode()).hexdigest()[:16],
        })
    common = {k: v for k, v in (label_sets[0].items() if label_sets else ())
              if all(labels.get(k) == v for labels in label_sets)}
    return {"version": "4", "groupKey": f"fintui:{receiver}:{status}", "truncatedAlerts": 0,
            "status": status, "receiver": receiver, "groupLabels": {},
            "commonLabels": common, "commonAnnotations": {}, "externalURL": "",
            "alerts": items}


def slack(status: str, alerts: Sequence[Alert]) -> dict[str, Any]:
    lines = [f"[{status.upper()}] {len(alerts)} alert(s) from fintui"]
    for a in alerts:
        lines.append(f"• {a.severity}: {a.rule} on {a.target} (value {a.value:g})"
                     + (f" — {a.runbook}" if a.runbook and status == "firing" else ""))
    return {"text": "\n".join(lines)}
