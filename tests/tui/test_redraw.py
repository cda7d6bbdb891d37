"""Over a slow SSH link every byte counts: a refresh that changes nothing on screen must
write nothing to the terminal. Runs the console in a real pseudo-terminal (the harness of
benchmarks/redraw_bytes.py) and counts what reaches it; no timing is asserted."""

from __future__ import annotations

import sys

import pytest

from benchmarks.redraw_bytes import measure


@pytest.mark.skipif(sys.platform != "linux", reason="needs a Linux pseudo-terminal")
def test_a_refresh_with_nothing_changed_writes_no_bytes() -> None:
    per_refresh, repaint, refreshes = measure("idle", 120, 36, seconds=3.0)
    assert refreshes >= 6
    assert repaint > 5000  # the harness does see the console's output
    assert per_refresh == 0
