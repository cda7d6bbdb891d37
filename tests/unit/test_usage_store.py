""""Last used" for cleanup TTLs with several endpoints: a volume or image of one daemon is not
kept alive by a same-named one on another, while uses seen without an endpoint still count."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fintui.model import Container, Mount
from fintui.store.db import StateUnavailable
from fintui.store.usage import UsageStore

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def user(name: str, endpoint: str, volume: str = "data", image: str = "app:1") -> Container:
    return Container(id=f"id-{name}", name=name, image=image, state="running", status="",
                     mounts=(Mount("volume", volume, "/v", "/data", True),), endpoint=endpoint)


def test_each_endpoint_has_its_own_last_use(tmp_path: Path) -> None:
    usage = UsageStore(tmp_path / "state.sqlite")
    usage.record([user("risk", "desk-a")], T0)
    usage.record([user("ledger", "desk-b", image="repo@sha256:abc")], T0 + timedelta(hours=1))
    assert usage.volume_last_used("desk-a") == {"data": T0}
    assert usage.volume_last_used("desk-b") == {"data": T0 + timedelta(hours=1)}
    assert usage.image_last_used("desk-a") == {"app:1": T0}
    assert usage.image_last_used("desk-b") == {"repo@sha256:abc": T0 + timedelta(hours=1)}
    assert [row[0] for row in usage.volume_history("data", "desk-b")] == ["ledger"]
    assert usage.volume_last_used() == {}, "nothing was seen without an endpoint"
    # A use seen through --host (no endpoint) counts for every endpoint: kept, not cleaned.
    later = T0 + timedelta(days=1)
    usage.record([user("old-batch", "")], later)
    assert usage.volume_last_used("desk-a") == {"data": later}
    assert usage.volume_last_used() == {"data": later}
    assert [row[0] for row in usage.volume_history("data")] == ["old-batch"]


def test_a_locked_or_corrupt_file_is_named_and_tried_again(tmp_path: Path) -> None:
    """Another process's lock, or garbage in the file, is one clear error naming the file
    (never the driver's bare `database is locked`), and the same store works once it is gone."""
    path = tmp_path / "state.sqlite"
    usage = UsageStore(path)
    usage.BUSY_TIMEOUT = 0.2  # the test need not wait the real ten seconds
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    with pytest.raises(StateUnavailable) as caught:
        usage.record([user("risk", "")], T0)
    assert str(caught.value) == f"cannot use the state database {path}: database is locked"
    assert usage.volume_last_used() == {}, "reads go on while another process writes"
    other.execute("ROLLBACK")
    other.close()
    usage.record([user("risk", "")], T0)
    assert usage.volume_last_used() == {"data": T0}

    path.write_bytes(b"not sqlite at all, " * 512)
    with pytest.raises(StateUnavailable, match=re.escape(f"{path}: file is not a database")):
        usage.volume_last_used()
    path.unlink()  # the operator moves the damaged file away: a fresh one is made
    usage.record([user("risk", "")], T0)
    assert usage.volume_last_used() == {"data": T0}


def test_a_damaged_file_at_start_does_not_stop_the_store_from_being_made(
        tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    path.write_bytes(b"\x00garbage" * 1000)
    usage = UsageStore(path)  # the console (and its other stores) still start
    with pytest.raises(StateUnavailable, match=r"cannot open the state database .*: "
                                               r"file is not a database"):
        usage.record([user("risk", "")], T0)
