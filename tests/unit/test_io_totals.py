"""Details shows what a container moved since it started; the table shows rates."""

from __future__ import annotations

from fintui.core.inspect_view import io_totals
from fintui.model import ContainerStats


def test_totals_in_human_units() -> None:
    stats = ContainerStats(1.0, 0, 0, 3 * 2**20, 512, 2**30, 0)
    assert io_totals(stats) == ("I/O since it started",
                                ["network: 3MiB in, 512B out", "block: 1GiB read, 0B written"])


def test_a_stopped_container_says_so() -> None:
    assert io_totals(None) == ("I/O since it started", ["- (not running)"])
