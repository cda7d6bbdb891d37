"""Whether the daemon's events stream can be trusted: the span of daemon time a silent
stream is checked over, and when the header says events are behind. Pure: every time is
passed in (daemon-clock unix nanoseconds, or monotonic seconds)."""

from __future__ import annotations

NANOS = 1_000_000_000
# An event at least this old that the stream never delivered proves the stream dead; a
# younger one may still be on its way down it.
LAG_NS = NANOS


def docker_since(nanos: int) -> str:
    """A unix time in nanoseconds as the Engine API's `since`/`until` take it."""
    seconds, rest = divmod(nanos, NANOS)
    return f"{seconds}.{rest:09d}"


def check_window(last_event_ns: int | None, subscribed_ns: int, daemon_now_ns: int,
                 lag_ns: int = LAG_NS) -> tuple[int, int] | None:
    """The daemon-time span whose events a working stream has delivered by now: after the
    newest event it delivered (a resubscription asked for everything after it) or, before
    any, after it subscribed; up to `lag_ns` ago. None when that span is empty."""
    start = last_event_ns + 1 if last_event_ns is not None else subscribed_ns
    end = daemon_now_ns - lag_ns
    return (start, end) if end > start else None


def events_behind(followed: bool, live: bool, lost_at: float, now: float,
                  grace: float) -> bool:
    """Whether events are not flowing and the list comes from relists alone. A stream
    being (re)subscribed is given `grace` seconds before the header says so; a source
    nobody follows events of (one `fintui status`) is never behind."""
    return followed and not live and now - lost_at >= grace
