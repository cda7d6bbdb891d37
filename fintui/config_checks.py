"""The checks a setting's declaration may name: each takes a value of the right type and returns
None when it is fine, else what is wrong in words ("must be between 1 and 1024 (got 0)")."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], str | None]

ROLES = ("viewer", "operator")
# Every act the guard judges (freeze windows list some of them).
ACTIONS = ("scale", "isolate", "release", "clean", "drain", "restart", "stop", "start", "kill",
           "pause", "unpause", "remove", "shell", "rollout", "rollback")
# What [guard] approve may name: any act, and two kinds of act that are bigger than the rest.
# A shell runs on the operator's own terminal, not through execute: it cannot wait for one.
APPROVABLE = (*(a for a in ACTIONS if a != "shell"), "scale-to-zero", "clean-named-volumes")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SEVERITIES = ("info", "warning", "critical")
RULE_OPS = (">", ">=", "<", "<=", "==", "!=")


def parse_duration(text: str) -> float | None:
    """`7d`, `12h`, `30m`, `45s` (and sums like `1d12h`) to seconds; None if malformed."""
    parts = re.findall(r"(\d+(?:\.\d+)?)([dhms])", text.strip())
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        return None
    scale = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    return sum(float(n) * scale[u] for n, u in parts)


def between(low: float, high: float, unit: str = "") -> Check:
    """A number from `low` to `high`; inf and nan are in no range."""
    suffix = f" {unit}" if unit else ""

    def check(value: Any) -> str | None:
        if low <= value <= high:
            return None
        return f"must be between {low:g} and {high:g}{suffix} (got {value!r})" \
            if isinstance(low, float) else f"must be between {low} and {high} (got {value!r})"
    return check


def span(low: str, high: str) -> Check:
    """A duration (see parse_duration) from `low` to `high`."""
    least, most = parse_duration(low), parse_duration(high)
    assert least is not None and most is not None

    def check(value: Any) -> str | None:
        seconds = parse_duration(value)
        if seconds is None:
            return "must be a duration like 7d, 12h, 30m"
        if least <= seconds <= most:
            return None
        return f"must be between {low} and {high} (got {value!r})"
    return check


def one_of(allowed: tuple[str, ...]) -> Check:
    words = ", ".join(a or '""' for a in allowed)  # an empty choice is shown as ""
    return lambda v: None if v in allowed else f"must be one of {words}"


def subset(allowed: tuple[str, ...]) -> Check:
    def check(value: Any) -> str | None:
        wrong = [v for v in value if v not in allowed]
        if wrong or not value:
            return f"each must be one of {', '.join(allowed)}" + (f" (got {wrong[0]!r})"
                                                                  if wrong else "")
        return None
    return check


def docker_url(value: Any) -> str | None:
    if value == "" or re.match(r"^(unix|tcp|http|https)://", value):
        return None
    return "must start with unix:// or tcp://"


def endpoint_url(value: Any) -> str | None:
    if re.match(r"^(unix|tcp|http|https)://", value) or re.match(r"^ssh://[^/@]+@?[^/]*", value):
        return None
    return "must start with unix://, tcp://, https:// or ssh://"


def endpoint_name(value: Any) -> str | None:
    # Shown in a narrow column and typed in filters (@name) and --endpoint: keep it plain.
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,23}", value):
        return None
    return "must be 1-24 letters, digits, '.', '_' or '-'"


def role(value: Any) -> str | None:
    return None if value in ROLES else f"must be one of {', '.join(ROLES)}"


def group(value: Any) -> str | None:
    if value == "":
        return None
    import grp

    try:
        grp.getgrnam(value)
    except KeyError:
        return f"no group {value!r} on this machine"
    return None


def clock_time(value: Any) -> str | None:
    match = re.fullmatch(r"(\d\d):(\d\d)", value)
    if match and int(match.group(1)) < 24 and int(match.group(2)) < 60:
        return None
    return "must be a time like 09:15"


def timezone(value: Any) -> str | None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone {value!r}"
    return None


def label_pairs(value: Any) -> str | None:
    bad = [v for v in value if not isinstance(v, str) or "=" not in v]
    return f"each must be key=value (got {bad[0]!r})" if bad else None


def scope(value: Any) -> str | None:
    bad = [k for k in value if k not in ("service", "container", "label")]
    if bad:
        return f"scope keys are service, container, label (got {bad[0]!r})"
    return None if all(isinstance(v, str) for v in value.values()) else "scope values are strings"


def http_url(value: Any) -> str | None:
    return None if re.match(r"^https?://[^/]+", value) else "must be an http:// or https:// URL"


def string_values(value: Any) -> str | None:
    return None if all(isinstance(v, str) for v in value.values()) else "values are strings"


def some_key(value: Any) -> str | None:
    # Key names and clashes are checked against the console's bindings when it starts.
    return None if value.strip() else "must name at least one key"
