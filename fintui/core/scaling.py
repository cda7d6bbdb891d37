"""Compose replicas: which to copy, how to name the next one, which to remove. Pure."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

PROJECT = "com.docker.compose.project"
SERVICE = "com.docker.compose.service"
NUMBER = "com.docker.compose.container-number"
SWARM_SERVICE_ID = "com.docker.swarm.service.id"
SWARM_SERVICE_NAME = "com.docker.swarm.service.name"
UNDETACHABLE = frozenset({"host", "none"})  # network modes a container cannot leave

# Config fields that describe the workload; the rest (Hostname, ids) belongs to one instance.
_CONFIG_FIELDS = ("Image", "Cmd", "Entrypoint", "Env", "WorkingDir", "User", "ExposedPorts",
                  "Healthcheck", "Tty", "OpenStdin", "StdinOnce", "StopSignal", "StopTimeout",
                  "Volumes", "Domainname")


def number_of(container: Mapping[str, Any]) -> int:
    labels = container.get("Labels") or (container.get("Config") or {}).get("Labels") or {}
    try:
        return int(labels.get(NUMBER, "0"))
    except ValueError:
        return 0


def by_number(replicas: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(replicas, key=lambda c: (number_of(c), str(c.get("Id", ""))))


def replica_name(example_name: str, project: str, service: str, number: int) -> str:
    """Follow the naming the project already uses: compose v2 `p-s-1` or v1 `p_s_1`."""
    name = example_name.lstrip("/")
    sep = "_" if name.startswith(f"{project}_{service}_") else "-"
    return f"{project}{sep}{service}{sep}{number}"


def own_aliases(aliases: Iterable[str] | None, inspect: Mapping[str, Any]) -> list[str]:
    """Aliases a copy should get: the service's, not the ones naming this one instance."""
    instance = {str(inspect.get("Id", ""))[:12], str((inspect.get("Config") or {})
                                                   .get("Hostname", "")),
                str(inspect.get("Name", "")).lstrip("/")}
    return [a for a in aliases or [] if a not in instance]


def network_endpoints(inspect: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each network the container is on, with what is needed to put it back."""
    networks = ((inspect.get("NetworkSettings") or {}).get("Networks") or {})
    out = []
    for name, net in sorted(networks.items()):
        ipam = net.get("IPAMConfig") or {}
        out.append({"network": name, "aliases": own_aliases(net.get("Aliases"), inspect),
                    "ipv4": ipam.get("IPv4Address") or "", "ipv6": ipam.get("IPv6Address") or ""})
    return out


def endpoint_config(endpoint: Mapping[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = {"Aliases": list(endpoint["aliases"])}
    ipam = {k: endpoint[key] for k, key in (("IPv4Address", "ipv4"), ("IPv6Address", "ipv6"))
            if endpoint.get(key)}
    if ipam:
        config["IPAMConfig"] = ipam
    return config


def clone_body(inspect: Mapping[str, Any], labels: Mapping[str, str] | None = None
               ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A create body with the container's configuration, and the networks to connect after
    create (the API attaches only one network at create time)."""
    config = inspect.get("Config") or {}
    body: dict[str, Any] = {k: copy.deepcopy(config[k]) for k in _CONFIG_FIELDS if k in config}
    body["Labels"] = dict(labels if labels is not None else config.get("Labels") or {})
    host = copy.deepcopy(dict(inspect.get("HostConfig") or {}))
    endpoints = [e for e in network_endpoints(inspect) if e["network"] not in UNDETACHABLE]
    # Addresses fixed by the operator cannot be shared by two containers: drop them on copies.
    endpoints = [{**e, "ipv4": "", "ipv6": ""} for e in endpoints]
    if endpoints:
        first, rest = endpoints[0], endpoints[1:]
        host["NetworkMode"] = first["network"]
        body["NetworkingConfig"] = {"EndpointsConfig": {first["network"]:
                                                        endpoint_config(first)}}
    else:
        rest = []
    body["HostConfig"] = host
    return body, rest


def replica_body(newest: Mapping[str, Any], number: int
                 ) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    labels = dict((newest.get("Config") or {}).get("Labels") or {})
    labels[NUMBER] = str(number)
    body, rest = clone_body(newest, labels)
    name = replica_name(str(newest.get("Name", "")), labels.get(PROJECT, ""),
                        labels.get(SERVICE, ""), number)
    return name, body, rest


def scale_down_victims(replicas: Iterable[Mapping[str, Any]], keep: int,
                       isolated: set[str]) -> list[Mapping[str, Any]]:
    """The highest-numbered replicas beyond `keep`; isolated ones are never touched."""
    candidates = [r for r in by_number(replicas) if str(r.get("Id")) not in isolated]
    return candidates[keep:][::-1]


# A replica in one of these states counts as one the service has: it runs, or is on its way
# back (restarting), or someone paused it on purpose. Created, exited and dead ones do not.
LIVE_STATES = frozenset({"running", "restarting", "paused"})


def state_of(container: Mapping[str, Any]) -> str:
    """The run state from a list entry ("State": "running") or an inspect ({"Status": …})."""
    state = container.get("State")
    if isinstance(state, Mapping):
        return str(state.get("Status") or "")
    return str(state or "")


def compose_count(members: Iterable[Mapping[str, Any]], isolated: set[str]
                  ) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """The replicas that count (live, not isolated) and the leftovers (not isolated, not
    live: e.g. one a cut-short scale created and never started), each by number."""
    mine = [c for c in by_number(members) if str(c.get("Id")) not in isolated]
    live = [c for c in mine if state_of(c) in LIVE_STATES]
    return live, [c for c in mine if state_of(c) not in LIVE_STATES]


def revive_by_starting(leftover: Mapping[str, Any]) -> bool:
    """Start a leftover again, or replace it? One that ran (exited) is whole; one that never
    ran (created) may be half-built (a create cut short before its networks were joined),
    and a dead one cannot be started: those are removed and made anew."""
    return state_of(leftover) == "exited"


def as_before(inspect: Mapping[str, Any], endpoints: Iterable[Mapping[str, Any]],
              restart_policy: Mapping[str, Any]) -> dict[str, Any]:
    """A container's inspect with the networks and restart policy it had before isolation
    changed them: what its replacement is made from, even when a first, cut-short attempt
    already disconnected it and set its policy to `no`."""
    out = copy.deepcopy(dict(inspect))
    settings = dict(out.get("NetworkSettings") or {})
    networks = dict(settings.get("Networks") or {})
    for endpoint in endpoints:
        ipam = {k: endpoint[key] for k, key in (("IPv4Address", "ipv4"), ("IPv6Address", "ipv6"))
                if endpoint.get(key)}
        networks.setdefault(str(endpoint["network"]), {"Aliases": list(endpoint["aliases"]),
                                                      "IPAMConfig": ipam or None})
    settings["Networks"] = networks
    out["NetworkSettings"] = settings
    host = dict(out.get("HostConfig") or {})
    host["RestartPolicy"] = dict(restart_policy)
    out["HostConfig"] = host
    return out
