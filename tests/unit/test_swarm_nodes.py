"""Swarm nodes and tasks: running counts, finding a node by name, what draining warns of."""

from __future__ import annotations

from dataclasses import replace

from fintui.core.swarm_nodes import (
    drain_warnings,
    find_node,
    node_rows,
    placement_by_service,
    placement_text,
    running_by_node,
    running_by_service,
    service_rows,
)
from fintui.model import Node, Service
from fintui.model_ops import TaskFacts


def node(node_id: str, host: str, role: str = "worker", tasks: int = 0) -> Node:
    return Node(node_id, host, role, "active", "ready", "20.10.24", 2.0, 2**33, "10.0.0.5",
                tasks=tasks)


def test_tasks_running_by_node_and_by_service() -> None:
    tasks = [TaskFacts("t1", "running", "running", node_id="n1", service_id="s1"),
             TaskFacts("t2", "running", "running", node_id="n1", service_id="s2"),
             TaskFacts("t3", "preparing", "running", node_id="n2", service_id="s1")]
    assert running_by_node(tasks) == {"n1": 2}
    assert running_by_service(tasks) == {"s1": 1, "s2": 1}
    assert node_rows([replace(node("n1", "trade-01", "manager", 2), leader=True)])[0][:5] == (
        "trade-01", "manager (leader)", "● active", "✓ ready", "2")


def test_finding_a_node_by_hostname_id_or_prefix() -> None:
    nodes = [node("n1aaaaaaa", "trade-01"), node("n1aabbbbb", "trade-02")]
    assert find_node(nodes, "trade-02") is nodes[1]
    assert find_node(nodes, "n1aaaaaaa") is nodes[0]
    assert find_node(nodes, "n1aabb") is nodes[1]
    assert find_node(nodes, "n1aa") is None  # too short to be sure
    assert find_node(nodes, "trade-03") is None


def test_draining_the_only_active_node_or_a_manager_is_said_out_loud() -> None:
    only = node("n1aaaaaaa", "solo", "manager", tasks=2)
    warnings = drain_warnings([only], only, "drain")
    assert any("the only active node: its 2 task(s) stop" in w for w in warnings)
    assert any("is a manager" in w for w in warnings)
    other = node("n2bbbbbbb", "spare")
    assert drain_warnings([only, other], other, "drain") == []
    assert drain_warnings([only], only, "active") == []


def test_a_services_tasks_by_node_and_state() -> None:
    nodes = [Node("n1", "trade-01", "manager", "active", "ready"),
             Node("n2", "trade-02", "worker", "active", "ready")]
    tasks = [TaskFacts(f"t{i}", state, "running", node_id=node_id, service_id=sid)
             for i, (sid, node_id, state) in enumerate([
                 ("s1", "n1", "running"), ("s1", "n2", "running"), ("s1", "n2", "running"),
                 ("s1", "n2", "starting"), ("s1", "", "pending"),
                 ("s2", "gone-node-id-xyz", "running")])]
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
