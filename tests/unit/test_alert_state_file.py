"""The alert state file (acks and silences): a file of the wrong shape is said entry by entry,
one that changes on disk is re-read on its own, and one that changed and no longer parses is
never written over; what is made here meanwhile is held, and saved once the file works."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fintui.core.alerts import Silence
from fintui.store.alert_state import AlertStateFile
from fintui.store.db import StateUnavailable

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SILENCE = ('[[silences]]\nrule = "crash-loop"\ntarget = "recon-*"\n'
           'until = 2026-03-09T09:00:00Z\ncomment = "known"\nauthor = "ops"\n')
ACK = ('[[acks]]\nrule = "unhealthy"\ntarget = "fix-gateway"\nby = "ops"\n'
       'at = 2026-03-01T08:00:00Z\n')


@pytest.mark.parametrize(("text", "reason"), [
    (SILENCE.replace('author = "ops"\n', ""), "silence 1: missing key 'author'"),
    (SILENCE + SILENCE.replace('comment = "known"\n', ""), "silence 2: missing key 'comment'"),
    (SILENCE.replace("2026-03-09T09:00:00Z", '"next week"'),
     "silence 1: 'until' is not a date-time with a zone: 'next week'"),
    (SILENCE.replace("2026-03-09T09:00:00Z", "2026-03-09T09:00:00"),
     "silence 1: 'until' is not a date-time with a zone: datetime.datetime(2026, 3, 9, 9, 0)"),
    (SILENCE.replace('"recon-*"', "7"), "silence 1: 'target' is not a string: 7"),
    (ACK.replace('by = "ops"\n', ""), "ack 1: missing key 'by'"),
    (ACK.replace("2026-03-01T08:00:00Z", "1"), "ack 1: 'at' is not a date-time with a zone: 1"),
    ('silences = "none"\n', "'silences' is not a list of tables ([[silences]])"),
    ("acks = [1]\n", "ack 1 is not a table: 1"),
])
def test_a_file_of_the_wrong_shape_says_which_entry_and_what(tmp_path: Path, text: str,
                                                              reason: str) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text(text)
    state = AlertStateFile(path)
    assert state.fault is not None
    assert state.fault.reason == reason
    assert str(state.fault) == f"cannot read {path}: {reason}; not overwritten"
    with pytest.raises(StateUnavailable):
        state.ack("unhealthy", "fix-gateway", "ops", NOW)
    assert path.read_text() == text


def test_a_fixed_file_is_read_again_on_its_own_and_what_was_held_is_saved(
        tmp_path: Path) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text(SILENCE.replace('"known"', '"known'))  # a syntax error
    state = AlertStateFile(path)
    with pytest.raises(StateUnavailable):
        state.ack("unhealthy", "fix-gateway", "ops", NOW)
    with pytest.raises(StateUnavailable):
        state.check(NOW)  # still broken: said again by whoever checks, never written
    assert '"known\n' in path.read_text()
    path.write_text(SILENCE)  # the operator fixes it
    state.check(NOW)
    assert state.fault is None and not state.held
    saved = AlertStateFile(path)
    assert [s.comment for s in saved.silences] == ["known"]
    assert saved.acks == {("unhealthy", "fix-gateway"): ("ops", NOW)}


def test_a_file_broken_while_running_is_noticed_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text(SILENCE)
    state = AlertStateFile(path)
    garbage = os.urandom(len(SILENCE)).replace(b"\n", b"x")
    path.write_bytes(garbage)
    with pytest.raises(StateUnavailable, match="not overwritten"):
        state.check(NOW)  # found on its own, before any ack
    with pytest.raises(StateUnavailable, match="not overwritten"):
        state.ack("unhealthy", "fix-gateway", "ops", NOW)
    assert path.read_bytes() == garbage
    assert ("unhealthy", "fix-gateway") in state.acks and state.held  # held in memory


def test_an_edit_that_keeps_size_and_time_is_still_seen_before_a_save(tmp_path: Path) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text(SILENCE)
    state = AlertStateFile(path)
    before = path.stat()
    bad = SILENCE.replace('author = "ops"', 'author = "ops')  # one byte shorter
    path.write_text(bad + " ")  # same size
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # same time
    with pytest.raises(StateUnavailable, match="not overwritten"):
        state.silence(Silence("cpu", "*", NOW + timedelta(hours=1), "", "ops"), NOW)
    assert path.read_text() == bad + " "


def test_a_valid_edit_on_disk_is_taken_in_not_undone(tmp_path: Path) -> None:
    path = tmp_path / "alerts.toml"
    path.write_text(SILENCE + ACK)
    state = AlertStateFile(path)
    path.write_text(ACK)  # the operator lifts the silence by hand
    state.ack("cpu", "pricing.1", "ops", NOW)
    saved = AlertStateFile(path)
    assert saved.silences == [] and set(saved.acks) == {("unhealthy", "fix-gateway"),
                                                        ("cpu", "pricing.1")}
