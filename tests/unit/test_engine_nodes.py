"""The Engine's /nodes and /tasks JSON → Node and TaskFacts (sources/engine_nodes.py)."""

from __future__ import annotations

from typing import Any

from fintui.core.swarm_nodes import node_rows, placement_by_service, running_by_node
from fintui.model_ops import TaskFacts
from fintui.sources.engine_nodes import node_from, tasks_from
from fintui.sources.engine_rows import swarm_rows


def node_json(node_id: str, host: str, role: str = "worker", availability: str = "active",
              leader: bool = False) -> dict[str, Any]:
    return {"ID": node_id, "Version": {"Index": 9},
            "Spec": {"Role": role, "Availability": availability},
            "Description": {"Hostname": host, "Engine": {"EngineVersion": "20.10.24"},
                            "Resources": {"NanoCPUs": 2_000_000_000, "MemoryBytes": 2**33}},
            "Status": {"State": "ready", "Addr": "10.0.0.5"},
            **({"ManagerStatus": {"Leader": True}} if leader else {})}


TASKS = [{"ID": "t1", "ServiceID": "s1", "NodeID": "n1aaaaaaa", "DesiredState": "running",
          "Status": {"State": "running"}},
         {"ID": "t2", "ServiceID": "s1", "NodeID": "n1aaaaaaa", "Status": {"State": "running"}},
         {"ID": "t3", "ServiceID": "s1", "NodeID": "n2bbbbbbb",
          "Status": {"State": "preparing"}},
         {"ID": "t4", "ServiceID": "s1", "Status": {"State": "pending"}}]


def test_a_node_as_the_manager_describes_it() -> None:
    node = node_from(node_json("n1aaaaaaa", "trade-01", "manager", leader=True),
                     running_by_node(tasks_from(TASKS)))
    assert (node.hostname, node.role, node.availability, node.state, node.leader) == (
        "trade-01", "manager", "active", "ready", True)
    assert (node.cpus, node.memory_bytes, node.engine_version, node.tasks) == (
        2.0, 2**33, "20.10.24", 2)
    assert node_rows([node])[0][:5] == ("trade-01", "manager (leader)", "● active",
                                        "✓ ready", "2")


def test_tasks_as_the_manager_lists_them() -> None:
    tasks = tasks_from(TASKS)
    assert tasks[0] == TaskFacts("t1", "running", "running", node_id="n1aaaaaaa",
                                 service_id="s1")
    assert (tasks[3].node_id, tasks[3].state) == ("", "pending")  # no node took it yet
    nodes = [node_from(node_json("n1aaaaaaa", "trade-01"), {})]
    assert placement_by_service(tasks, nodes)["s1"] == (
        ("n2bbbbbbb", "preparing", 1), ("trade-01", "running", 2), ("unassigned", "pending", 1))


def test_services_and_nodes_of_a_swarm_manager() -> None:
    services = [{"ID": "s1", "Spec": {"Name": "pricing", "Mode": {"Replicated": {"Replicas": 3}},
                                      "TaskTemplate": {"ContainerSpec": {
                                          "Image": "quant/pricing:2@sha256:abc"}}}}]
    rows, nodes = swarm_rows(services, TASKS, [node_json("n2bbbbbbb", "trade-02"),
                                               node_json("n1aaaaaaa", "trade-01", "manager")])
    assert [n.hostname for n in nodes] == ["trade-01", "trade-02"]  # managers first
    assert (rows[0].name, rows[0].desired, rows[0].running, rows[0].image) == (
        "pricing", 3, 2, "quant/pricing:2")
