"""The create body for a copy of a container (a compose replica, an isolation's clone), from
its inspect and what ops decided: name, labels, network, restart policy. Pure."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from fintui.model_ops import NetworkAttachment, RestartPolicy
from fintui.sources.engine_facts import endpoint_config

# Config fields that describe the workload; the rest (Hostname, ids) belongs to one instance.
_CONFIG_FIELDS = ("Image", "Cmd", "Entrypoint", "Env", "WorkingDir", "User", "ExposedPorts",
                  "Healthcheck", "Tty", "OpenStdin", "StdinOnce", "StopSignal", "StopTimeout",
                  "Volumes", "Domainname")


def copy_body(inspect: Mapping[str, Any], labels: Mapping[str, str],
              network: NetworkAttachment | None, policy: RestartPolicy) -> dict[str, Any]:
    """A create body with the container's workload, these labels and restart policy, created
    on `network` (the API attaches only one network at create time; ops connects the rest)."""
    config = inspect.get("Config") or {}
    body: dict[str, Any] = {k: copy.deepcopy(config[k]) for k in _CONFIG_FIELDS if k in config}
    body["Labels"] = dict(labels)
    host = copy.deepcopy(dict(inspect.get("HostConfig") or {}))
    host["RestartPolicy"] = policy.to_record()
    if network is not None:
        host["NetworkMode"] = network.network
        body["NetworkingConfig"] = {"EndpointsConfig": {network.network:
                                                        endpoint_config(network)}}
    body["HostConfig"] = host
    return body
