"""How long to wait before trying an unreachable daemon again. Pure."""

from __future__ import annotations

FIRST_RETRY = 0.5  # seconds after the first failure; doubles with each one after
# Doublings past this change nothing (2**64 half-seconds outlast any cap) and 2.0 ** 1024
# overflows: a collector 68 minutes into an outage must not die of arithmetic.
MAX_DOUBLINGS = 64


def retry_delay(failures: int, cap: float) -> float:
    """0.5 s, 1 s, 2 s, … after 1, 2, 3, … failures in a row, never more than `cap`, for any
    number of failures."""
    return min(cap, FIRST_RETRY * 2.0 ** min(max(failures - 1, 0), MAX_DOUBLINGS))
