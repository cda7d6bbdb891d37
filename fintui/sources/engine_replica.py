"""The create body for a copy of a container (a compose replica, an isolation's clone, a
rollout's new replica), from its inspect and what ops decided: name, labels, network, restart
policy, and for a rollout the image. Pure."""

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
# Of those, the ones an image gives by default (a container's inspect shows them merged):
# a copy onto another image leaves out what only came from the old one, so the new image's
# own command, health check, ... apply, as `docker compose up` after a new tag would do.
_IMAGE_DEFAULTS = ("Cmd", "Entrypoint", "WorkingDir", "User", "ExposedPorts", "Healthcheck",
                   "StopSignal", "Volumes")


def copy_body(inspect: Mapping[str, Any], labels: Mapping[str, str],
              network: NetworkAttachment | None, policy: RestartPolicy, image: str = "",
              image_config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A create body with the container's workload, these labels and restart policy, created
    on `network` (the API attaches only one network at create time; ops connects the rest).
    With `image`, the copy runs that image; `image_config` is the Config of the image the
    container runs now (GET /images/{id}/json), whose defaults are not carried over."""
    config = inspect.get("Config") or {}
    body: dict[str, Any] = {k: copy.deepcopy(config[k]) for k in _CONFIG_FIELDS if k in config}
    body["Labels"] = dict(labels)
    if image:
        _onto_image(body, image, image_config or {})
    host = copy.deepcopy(dict(inspect.get("HostConfig") or {}))
    host["RestartPolicy"] = policy.to_record()
    if network is not None:
        host["NetworkMode"] = network.network
        body["NetworkingConfig"] = {"EndpointsConfig": {network.network:
                                                        endpoint_config(network)}}
    body["HostConfig"] = host
    return body


def _onto_image(body: dict[str, Any], image: str, old: Mapping[str, Any]) -> None:
    """Point the body at `image`, dropping what equals the old image's defaults (what the
    operator set, such as a compose `command:` or environment, stays)."""
    body["Image"] = image
    for key in _IMAGE_DEFAULTS:
        if key in body and body[key] == old.get(key):
            del body[key]
    old_env = set(old.get("Env") or ())
    if body.get("Env"):
        body["Env"] = [entry for entry in body["Env"] if entry not in old_env]
    old_labels = old.get("Labels") or {}
    body["Labels"] = {k: v for k, v in body["Labels"].items() if old_labels.get(k) != v}
