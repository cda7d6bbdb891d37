"""The Engine side of the ops boundary, as plain data: Engine JSON in, facts out; facts in,
create body out. What ops decides is never taken from, or written as, Engine JSON."""

from __future__ import annotations

from typing import Any

import pytest

from fintui.core import scaling
from fintui.model_ops import ContainerFacts, NetworkAttachment, RestartPolicy
from fintui.sources.engine_facts import (
    container_facts,
    endpoint_config,
    listed_facts,
    service_facts,
    task_facts,
)
from fintui.sources.engine_replica import copy_body

INSPECT: dict[str, Any] = {
    "Id": "4f1e2d3c4b5a69788796a5b4c3d2e1f0", "Name": "/desk-web-2",
    "State": {"Status": "paused", "Running": True, "Paused": True},
    "Config": {"Image": "quant/web:1.2", "Hostname": "4f1e2d3c4b5a", "Cmd": ["serve"],
               "Env": ["TZ=UTC"], "Tty": False,
               "Labels": {scaling.PROJECT: "desk", scaling.SERVICE: "web",
                          scaling.NUMBER: "2"}},
    "HostConfig": {"RestartPolicy": {"Name": "always", "MaximumRetryCount": 0},
                   "NetworkMode": "desk-net", "Memory": 1 << 30},
    "NetworkSettings": {"Networks": {
        "desk-net": {"Aliases": ["web", "desk-web-2", "4f1e2d3c4b5a"],
                     "IPAMConfig": {"IPv4Address": "10.1.0.9"}},
        "desk-feed": {"Aliases": None, "IPAMConfig": None}}},
}


def test_an_inspect_becomes_container_facts() -> None:
    facts = container_facts(INSPECT)
    assert (facts.id, facts.name, facts.state, facts.image) == (
        INSPECT["Id"], "desk-web-2", "paused", "quant/web:1.2")
    assert facts.paused and facts.live
    assert (facts.compose_project, facts.compose_service, facts.compose_number) == (
        "desk", "web", 2)
    # The aliases naming this one instance (its name, its short id) are not the service's.
    assert facts.networks == (NetworkAttachment("desk-feed"),
                              NetworkAttachment("desk-net", ("web",), "10.1.0.9"))
    assert facts.restart_policy == RestartPolicy("always", 0)
    # A copy is made from what was read here, not from a second read at create time.
    assert facts.workload == INSPECT


def test_a_container_with_no_restart_policy_has_no() -> None:
    facts = container_facts({"Id": "a", "Name": "/q", "State": {"Status": "exited"}})
    assert facts.restart_policy.to_record() == {"Name": "no"}
    assert not facts.live and facts.networks == ()


def test_a_list_entry_becomes_facts_without_networks() -> None:
    facts = listed_facts({"Id": "b", "Names": ["/desk-web-3"], "State": "created",
                          "Image": "quant/web:1.2", "Labels": {scaling.NUMBER: "3"}})
    assert facts == ContainerFacts("b", "desk-web-3", "created", "quant/web:1.2",
                                   {scaling.NUMBER: "3"})


def test_services_and_tasks_become_facts() -> None:
    replicated = {"ID": "s1", "Version": {"Index": 7},
                  "Spec": {"Name": "pricing", "Mode": {"Replicated": {"Replicas": 3}}}}
    assert service_facts(replicated).replicated and service_facts(replicated).replicas == 3
    glob = {"ID": "s2", "Spec": {"Name": "agent", "Mode": {"Global": {}}}}
    assert not service_facts(glob).replicated
    task = task_facts({"ID": "t1", "NodeID": "n1", "DesiredState": "running",
                       "Status": {"State": "rejected", "Err": "no suitable node"}})
    assert (task.state, task.desired_state, task.error, task.node_id) == (
        "rejected", "running", "no suitable node", "n1")


def test_a_copy_body_keeps_the_workload_and_takes_what_ops_decided() -> None:
    facts = container_facts(INSPECT)
    first, rest = scaling.copy_networks(facts.networks)
    body = copy_body(INSPECT, scaling.replica_labels(facts, 5), first, RestartPolicy("always", 0))
    assert body["Image"] == "quant/web:1.2" and body["Cmd"] == ["serve"]
    assert "Hostname" not in body  # the instance's, not the workload's
    assert body["Labels"][scaling.NUMBER] == "5"
    assert body["HostConfig"]["RestartPolicy"] == {"Name": "always", "MaximumRetryCount": 0}
    assert body["HostConfig"]["Memory"] == 1 << 30
    # Created on the first network by name; a fixed address is never copied.
    assert body["HostConfig"]["NetworkMode"] == "desk-feed"
    assert body["NetworkingConfig"] == {"EndpointsConfig": {"desk-feed": {"Aliases": []}}}
    assert rest == [NetworkAttachment("desk-net", ("web",))]
    assert INSPECT["HostConfig"]["NetworkMode"] == "desk-net"  # the input is untouched


def test_a_copy_of_a_host_network_container_keeps_its_mode() -> None:
    inspect = {"Id": "h", "Name": "/probe", "Config": {"Image": "busybox", "Labels": {}},
               "HostConfig": {"NetworkMode": "host"},
               "NetworkSettings": {"Networks": {"host": {"Aliases": None}}}}
    first, rest = scaling.copy_networks(container_facts(inspect).networks)
    assert (first, rest) == (None, [])
    body = copy_body(inspect, {}, first, RestartPolicy("no", 0))
    assert body["HostConfig"]["NetworkMode"] == "host" and "NetworkingConfig" not in body


def test_an_endpoint_config_names_aliases_and_fixed_addresses_only() -> None:
    assert endpoint_config(NetworkAttachment("n", ("a",))) == {"Aliases": ["a"]}
    assert endpoint_config(NetworkAttachment("n", (), "10.0.0.2", "fd00::2")) == {
        "Aliases": [], "IPAMConfig": {"IPv4Address": "10.0.0.2", "IPv6Address": "fd00::2"}}


def test_records_keep_their_old_shape() -> None:
    # Isolation records and audit results written before (and after) this boundary read alike.
    record = {"network": "desk-net", "aliases": ["web"], "ipv4": "", "ipv6": ""}
    assert NetworkAttachment.from_record(record).to_record() == record
    for policy in ({"Name": "always"}, {"Name": "on-failure", "MaximumRetryCount": 3},
                   {"Name": "", "MaximumRetryCount": 0}):
        assert RestartPolicy.from_record(policy).to_record() == policy
    assert RestartPolicy.from_record({"Name": ""}).label == "no"


async def test_an_api_error_has_one_name_on_both_sides_of_the_boundary() -> None:
    """The daemon's error status is DaemonRefused whether an act or a read met it: ops reads it
    as ActionFailed (with the status), the watch as its source unavailable."""
    from fintui.sources.base import ActionFailed, SourceUnavailable
    from fintui.sources.engine_actions import EngineActions
    from fintui.sources.engine_client import ApiError, DaemonRefused

    class Refusing:
        api_version = "1.45"

        async def request(self, *args: object, **kwargs: object) -> object:
            raise ApiError(500, "driver failed programming external connectivity")

    actions = EngineActions(Refusing())  # type: ignore[arg-type]
    with pytest.raises(DaemonRefused) as caught:
        await actions.pause("abc")
    assert isinstance(caught.value, ActionFailed) and isinstance(caught.value, SourceUnavailable)
    assert caught.value.status == 500
    assert str(caught.value) == "driver failed programming external connectivity"
