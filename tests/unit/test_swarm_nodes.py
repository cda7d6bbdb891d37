"""Swarm nodes from the manager's JSON, finding one by name, and what draining warns of."""

from __future__ import annotations

from typing import Any

from fintui.core.swarm_nodes import (
    drain_warnings,
    find_node,
    node_from,
    node_rows,
    placement_by_service,
    placement_text,
    running_by_node,
    service_rows,
)
from fintui.model import Node, Service


def node_json(node_id: str, host: str, role: str = "worker", availability: str = "active",
              leader: bool = False) -> dict[str, Any]:
    return {"ID": node_id, "Version": {"Index": 9},
            "Spec": {"Role": role, "Availability": availability},
            "Description": {"Hostname": host, "Engine": {"EngineVersion": "20.10.24"},
                            "Resources": {"NanoCPUs": 2_000_000_000, "MemoryBytes": 2**33}},
            "Status": {"State": "ready", "Addr": "10.0.0.5"},
            **({"ManagerStatus": {"Leader": True}} if leader else {})}


TASKS = [{"NodeID": "n1aaaaaaa", "Status": {"State": "running"}},
         {"NodeID": "n1aaaaaaa", "Status": {"State": "running"}},
         {"NodeID": "n2bbbbbbb", "Status": {"State": "preparing"}}]


def test_a_node_as_the_manager_describes_it() -> None:
    node = node_from(node_json("n1aaaaaaa", "trade-01", "manager", leader=True),
                     running_by_node(TASKS))
    assert (node.hostname, node.role, node.availability, node.state, node.leader) == (
        "trade-01", "manager", "active", "ready", True)
    assert (node.cpus, node.memory_bytes, node.engine_version, node.tasks) == (
        2.0, 2**33, "20.10.24", 2)
    assert node_rows([node])[0][:5] == ("trade-01", "manager (leader)", "● active",
                                        "✓ ready", "2")


def test_finding_a_node_by_hostname_id_or_prefix() -> None:
    nodes = [node_from(node_json("n1aaaaaaa", "trade-01"), {}),
             node_from(node_json("n1aabbbbb", "trade-02"), {})]
    assert find_node(nodes, "trade-02") is nodes[1]
    assert find_node(nodes, "n1aaaaaaa") is nodes[0]
    assert find_node(nodes, "n1aabb") is nodes[1]
    assert find_node(nodes, "n1aa") is None  # too short to be sure
    assert find_node(nodes, "trade-03") is None


def test_draining_the_only_active_node_or_a_manager_is_said_out_loud() -> None:
    only = node_from(node_json("n1aaaaaaa", "solo", "manager"), running_by_node(TASKS))
    warnings = drain_warnings([only], only, "drain")
    assert any("the only active node: its 2 task(s) stop" in w for w in warnings)
    assert any("is a manager" in w for w in warnings)
    other = node_from(node_json("n2bbbbbbb", "spare"), {})
    assert drain_warnings([only, other], other, "drain") == []
    assert drain_warnings([only], only, "active") == []


def test_a_services_tasks_by_node_and_state() -> None:
    nodes = [Node("n1", "trade-01", "manager", "active", "ready"),
             Node("n2", "trade-02", "worker", "active", "ready")]
    tasks = [{"ServiceID": "s1", "NodeID": "n1", "Status": {"State": "running"}},
             {"ServiceID": "s1", "NodeID": "n2", "Status": {"State": "running"}},
             {"ServiceID": "s1", "NodeID": "n2", "Status": {"State": "running"}},
             {"ServiceID": "s1", "NodeID": "n2", "Status": {"State": "starting"}},
             {"ServiceID": "s1", "Status": {"State": "pending"}},
             {"ServiceID": "s2", "NodeID": "gone-node-id-xyz", "Status": {"State": "running"}}]
    placement = placement_by_service(tasks, nodes)
    assert placement["s1"] == (("trade-01", "running", 1), ("trade-02", "running", 2),
                               ("trade-02", "starting", 1), ("unassigned", "pending", 1))
    assert placement["s2"] == (("gone-node-id", "running", 1),)
    assert placement_text(placement["s1"]) == (
        "trade-01 ●1  trade-02 ●2  trade-02 starting 1  unassigned pending 1")
    assert placement_text(()) == "-"
    services = [Service("s1", "pricing", "replicated", 5, 3, placement=placement["s1"]),
                Service("s2", "feeds", "global", None, 1, endpoint="desk-b"),
                Service("risk/engine", "risk/engine", "compose", None, 2)]
    assert service_rows(services) == [
        ("pricing", "replicated", "3/5", placement_text(placement["s1"])),
        ("feeds @desk-b", "global", "1/global", "-")]
