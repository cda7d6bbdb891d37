"""How long to wait before trying an unreachable daemon again. Pure."""

from __future__ import annotations

FIRST_RETRY = 0.5  # seconds after the first failure; doubles with each one after


def retry_delay(failures: int, cap: float) -> float:
    """0.5 s, 1 s, 2 s, … after 1, 2, 3, … failures in a row, never more than `cap`."""
    return min(cap, FIRST_RETRY * 2.0 ** (failures - 1))
