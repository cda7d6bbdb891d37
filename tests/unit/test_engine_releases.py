"""The Engine's JSON for releases, read and written (fintui/sources/engine_releases.py): what
the rollout follows (the update's state, each task's image and end) and the update config it
sends."""

from __future__ import annotations

from fintui.model_release import UpdatePolicy, bare_image, pinned_digest
from fintui.sources.engine_releases import release_of, release_task, update_config

PIN = "sha256:" + "a" * 64


def test_a_service_read_with_its_previous_spec_and_update_state() -> None:
    service = {
        "ID": "svc1", "Spec": {"Name": "web", "Mode": {"Replicated": {"Replicas": 3}},
                               "TaskTemplate": {"ContainerSpec": {"Image": f"app:b@{PIN}"}}},
        "PreviousSpec": {"TaskTemplate": {"ContainerSpec": {"Image": "app:a"}}},
        "UpdateStatus": {"State": "rollback_completed", "StartedAt": "2026-11-25T06:42:47Z",
                         "Message": "rollback completed"}}
    svc = release_of(service)
    assert (svc.name, svc.image, svc.previous_image, svc.replicas) == (
        "web", f"app:b@{PIN}", "app:a", 3)
    assert (svc.update_state, svc.update_message) == ("rollback_completed",
                                                      "rollback completed")
    never = release_of({"ID": "g", "Spec": {"Name": "agent", "Mode": {"Global": {}}}})
    assert (never.previous_image, never.replicas, never.update_state) == ("", None, "")


def test_a_failed_task_keeps_its_slot_image_exit_code_and_error() -> None:
    task = release_task({
        "ID": "t1", "Slot": 2, "DesiredState": "shutdown", "CreatedAt": "2026-11-25T06:00:00Z",
        "Spec": {"ContainerSpec": {"Image": "app:bad"}},
        "Status": {"State": "failed", "Err": "task: non-zero exit (1)",
                   "ContainerStatus": {"ExitCode": 1}}})
    assert (task.slot, task.image, task.state, task.exit_code, task.error) == (
        2, "app:bad", "failed", 1, "task: non-zero exit (1)")
    assert release_task({"ID": "t2", "Status": {"State": "new"}}).exit_code is None


def test_the_update_config_is_in_the_engines_units() -> None:
    assert update_config(UpdatePolicy(1, delay=31.0, monitor=30.0)) == {
        "Parallelism": 1, "Delay": 31_000_000_000, "Monitor": 30_000_000_000,
        "FailureAction": "rollback", "MaxFailureRatio": 0, "Order": "stop-first"}


def test_a_pinned_reference_splits_into_name_and_digest() -> None:
    assert (bare_image(f"app:b@{PIN}"), pinned_digest(f"app:b@{PIN}")) == ("app:b", PIN)
    assert (bare_image("app:b"), pinned_digest("app:b")) == ("app:b", "")
