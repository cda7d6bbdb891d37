"""The pure pieces behind half-done acts: what a cut-short act says it changed, which compose
replicas count, what a replacement is made from, and isolation records of an older fintui."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from fintui.core import scaling
from fintui.core.act_journal import Journal
from fintui.model_ops import ContainerFacts, NetworkAttachment, RestartPolicy
from fintui.sources.engine_replica import copy_body
from fintui.store.isolations import ISOLATED, PARTIAL, Isolation, IsolationStore


def test_a_journal_names_each_change_and_the_one_left_unanswered() -> None:
    shown: list[str] = []
    journal = Journal(shown.append)
    journal("forensics saved")
    journal.trying("disconnecting from desk-net")
    journal.changed("disconnected from desk-net")
    journal.trying("pausing")
    journal.undo = "`fintui release q` undoes it"
    journal.changed("", "replacement noted", report=False)
    assert shown == ["forensics saved", "disconnected from desk-net"]
    journal.trying("pausing")
    assert journal.summary() == ("changed before it stopped: disconnected from desk-net; "
                                 "replacement noted; no answer to 'pausing': the daemon "
                                 "may still have done it (`fintui release q` undoes it)")
    assert journal.failed_result() == {"done": ["disconnected from desk-net",
                                                "replacement noted"], "unanswered": "pausing"}


def test_a_journal_with_nothing_done_says_so() -> None:
    journal = Journal()
    journal.undo = "release undoes it"  # nothing to undo: not said
    assert journal.summary() == "nothing was changed"


def test_a_long_journal_names_twelve_and_counts_the_rest() -> None:
    journal = Journal()
    for number in range(1, 41):
        journal.changed(f"  removed, {number} bytes", f"removed volume v{number}")
    summary = journal.summary()
    assert summary.endswith("removed volume v12; and 28 more")
    assert len(journal.failed_result()["done"]) == 40


def replica(number: int, state: str, cid: str = "") -> ContainerFacts:
    return ContainerFacts(cid or f"id{number}", f"desk-web-{number}", state,
                          labels={scaling.NUMBER: str(number)})


def test_compose_count_counts_what_runs_not_what_exists() -> None:
    members = [replica(3, "created"), replica(1, "running"), replica(2, "running"),
               replica(4, "exited"), replica(5, "running", "isolated-one")]
    live, leftovers = scaling.compose_count(members, {"isolated-one"})
    assert [c.compose_number for c in live] == [1, 2]
    assert [c.compose_number for c in leftovers] == [3, 4]
    assert [scaling.revive_by_starting(c) for c in leftovers] == [False, True]


def test_a_replacement_is_made_from_the_container_as_it_was() -> None:
    # After a first, cut-short isolation: no networks left, restart policy `no`.
    now = {"Id": "abc", "Name": "/q", "Config": {"Image": "busybox", "Labels": {}},
           "HostConfig": {"RestartPolicy": {"Name": "no"}, "NetworkMode": "desk-net"},
           "NetworkSettings": {"Networks": {}}}
    # What it was on, as its isolation record keeps it (a fixed address is not copied).
    first, extra = scaling.copy_networks([NetworkAttachment("desk-net", ("web",), "10.0.0.9")])
    body = copy_body(now, {}, first, RestartPolicy.from_record({"Name": "always"}))
    assert body["HostConfig"]["RestartPolicy"] == {"Name": "always"}
    assert body["NetworkingConfig"] == {"EndpointsConfig": {"desk-net": {"Aliases": ["web"]}}}
    assert extra == [] and now["NetworkSettings"] == {"Networks": {}}  # the input is untouched


def test_isolations_written_by_an_older_fintui_are_read_and_updated(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with sqlite3.connect(path) as db:  # the first schema, with one isolation in it
        db.execute("CREATE TABLE isolations (container_id TEXT NOT NULL, name TEXT NOT NULL, "
                   "isolated_at TEXT NOT NULL, networks TEXT NOT NULL, restart_policy TEXT NOT "
                   "NULL, replacement TEXT NOT NULL, bundle TEXT NOT NULL, released_at TEXT)")
        db.execute("INSERT INTO isolations VALUES ('c1', 'q', 't0', '[]', ?, '', '/b', NULL)",
                    (json.dumps({"Name": "always"}),))
    db.close()
    store = IsolationStore(path)
    old = store.active("c1")
    assert old is not None and old.state == ISOLATED and not old.partial
    assert old.restart_policy == {"Name": "always"}
    store.record(Isolation("c2", "r", "t1", [], {"Name": "on-failure"}, "", "/b2", PARTIAL))
    store.update("c2", done=["paused"], replacement_id="r-replacement")
    new = store.active("c2")
    assert new is not None and new.partial and new.done == ["paused"]
    assert new.replacement_id == "r-replacement"
    assert store.active_ids() == {"c1", "c2"}
