"""The canary rule (fintui/core/canary.py): what makes a release's first replicas unfit, in
words the person who started the release reads in the rollback's message."""

from __future__ import annotations

from fintui.core.canary import CanaryFacts, judge, judge_one, ready
from fintui.model_release import ReleaseTask
from fintui.ops.rollout_follow import canary_facts


def test_a_running_canary_is_fit_during_and_after_its_watch() -> None:
    fit = [CanaryFacts("web.1", "running"), CanaryFacts("web.2", "running", health="healthy")]
    assert judge(fit) == ""
    assert judge(fit, final=True) == ""


def test_an_exit_with_an_error_code_names_the_code_and_the_daemons_words() -> None:
    facts = CanaryFacts("task web.1", "failed", 1, error="task: non-zero exit (1)")
    assert judge([facts]) == "canary task web.1 exited with code 1: task: non-zero exit (1)"
    assert judge([CanaryFacts("web-2", "exited", 137)]) == "canary web-2 exited with code 137"


def test_each_fault_signature_is_a_reason_to_roll_back() -> None:
    assert judge([CanaryFacts("a", "running", health="unhealthy")]) == \
        "canary a failed its health check"
    assert judge([CanaryFacts("a", "running", restarts=1)]) == \
        "canary a restarted once during its watch"
    assert judge([CanaryFacts("a", "running", restarts=3)]) == \
        "canary a restarted 3 times during its watch"
    assert judge([CanaryFacts("a", "exited", 137, oom_killed=True)]) == \
        "canary a was killed for memory (OOM)"
    assert judge([CanaryFacts("a", "rejected", error="No such image: x:1")]) == \
        "canary a was rejected: No such image: x:1"
    # A replica of a service that ends, even with 0, serves nothing.
    assert judge([CanaryFacts("a", "exited", 0)]) == "canary a stopped (exited)"


def test_restarts_allowed_relaxes_only_the_restart_count() -> None:
    assert judge_one(CanaryFacts("a", "running", restarts=2), restarts_allowed=2) == ""
    assert judge_one(CanaryFacts("a", "running", health="unhealthy"), restarts_allowed=9)


def test_the_first_faulty_canary_is_named() -> None:
    facts = [CanaryFacts("a", "running"), CanaryFacts("b", "exited", 2),
             CanaryFacts("c", "exited", 3)]
    assert judge(facts) == "canary b exited with code 2"


def test_at_the_end_of_the_watch_a_canary_must_run_and_be_healthy() -> None:
    starting = CanaryFacts("a", "running", health="starting")
    assert judge([starting]) == ""  # still in its grace: not yet a fault
    assert judge([starting], final=True) == "canary a never became healthy within its watch"
    pending = CanaryFacts("a", "preparing")
    assert judge([pending]) == ""
    assert judge([pending], final=True) == "canary a is still preparing at the end of its watch"
    assert judge([], final=True) == "no canary was running at the end of its watch"
    assert judge([]) == ""


def test_ready_means_running_and_healthy_where_there_is_a_check() -> None:
    assert ready(CanaryFacts("a", "running"))
    assert ready(CanaryFacts("a", "running", health="healthy"))
    assert not ready(CanaryFacts("a", "running", health="starting"))
    assert not ready(CanaryFacts("a", "created"))


def test_swarm_tasks_a_slot_that_failed_once_is_a_failed_canary() -> None:
    """Swarm replaces a failed task with a new one in the same slot: the failure still
    counts, and an earlier attempt's tasks (there before this update) do not."""
    tasks = [ReleaseTask("old1", 1, "app:a", "shutdown", "shutdown", created="1"),
             ReleaseTask("t1", 1, "app:b@sha256:" + "0" * 64, "failed", "shutdown",
                         "task: non-zero exit (1)", 1, created="2"),
             ReleaseTask("t2", 1, "app:b", "starting", "running", created="3"),
             ReleaseTask("t3", 2, "app:a", "running", "running", created="1"),
             ReleaseTask("gone", 3, "app:b", "failed", "shutdown", "earlier", 1, created="0")]
    facts = canary_facts(tasks, "app:b", "web", ignore=frozenset({"gone"}))
    assert [f.name for f in facts] == ["task web.1"]
    assert judge(facts) == "canary task web.1 exited with code 1: task: non-zero exit (1)"
    fine = canary_facts([ReleaseTask("t4", 1, "app:b", "running", "running")], "app:b", "web")
    assert judge(fine, final=True) == ""
