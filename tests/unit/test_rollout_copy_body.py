"""A rollout's new replica is the old one's workload on the new image: what the operator set
(a compose `command:`, environment, limits) stays, and what only came from the old image
(its command, health check, environment, labels) gives way to the new image's own."""

from __future__ import annotations

from typing import Any

from fintui.model_ops import RestartPolicy
from fintui.sources.engine_facts import container_facts
from fintui.sources.engine_replica import copy_body

OLD_IMAGE: dict[str, Any] = {
    "Cmd": ["serve", "--port", "80"], "Entrypoint": None, "WorkingDir": "/app",
    "Env": ["PATH=/usr/bin", "MODEL=v1"], "Healthcheck": {"Test": ["CMD", "probe"]},
    "Labels": {"org.opencontainers.image.version": "1"}}


def inspect(**config: Any) -> dict[str, Any]:
    base = {**OLD_IMAGE, "Image": "risk/model:1", "Labels": {
        **OLD_IMAGE["Labels"], "com.docker.compose.service": "model"}}
    return {"Id": "c1", "Name": "/risk-model-1", "Image": "sha256:old",
            "Config": {**base, **config}, "HostConfig": {"Memory": 1 << 30},
            "State": {"Status": "running", "Health": {"Status": "healthy"},
                      "FinishedAt": "0001-01-01T00:00:00Z", "ExitCode": 0},
            "RestartCount": 2}


def test_the_new_image_brings_its_own_defaults() -> None:
    source = inspect()
    body = copy_body(source, source["Config"]["Labels"], None, RestartPolicy("always", 0),
                     "risk/model:2", OLD_IMAGE)
    assert body["Image"] == "risk/model:2"
    for key in ("Cmd", "Entrypoint", "WorkingDir", "Healthcheck"):
        assert key not in body, key  # the new image's own apply
    assert body["Env"] == []
    assert body["Labels"] == {"com.docker.compose.service": "model"}
    assert body["HostConfig"]["Memory"] == 1 << 30


def test_what_the_operator_set_stays() -> None:
    source = inspect(Cmd=["serve", "--port", "81"], Env=["PATH=/usr/bin", "MODEL=v1",
                                                        "DESK=rates"])
    body = copy_body(source, {}, None, RestartPolicy("no", 0), "risk/model:2", OLD_IMAGE)
    assert body["Cmd"] == ["serve", "--port", "81"]
    assert body["Env"] == ["DESK=rates"]


def test_without_an_image_the_copy_is_as_before() -> None:
    source = inspect()
    body = copy_body(source, {}, None, RestartPolicy("no", 0))
    assert body["Image"] == "risk/model:1" and body["Cmd"] == OLD_IMAGE["Cmd"]
    assert body["Healthcheck"] == OLD_IMAGE["Healthcheck"]


def test_a_containers_own_read_says_its_health_restarts_and_exit() -> None:
    facts = container_facts(inspect())
    assert (facts.health, facts.restarts, facts.exit_code) == ("healthy", 2, None)
    ended = inspect()
    ended["State"] = {"Status": "exited", "ExitCode": 1, "FinishedAt": "2026-01-01T00:00:00Z"}
    facts = container_facts(ended)
    assert (facts.state, facts.health, facts.exit_code) == ("exited", "", 1)
