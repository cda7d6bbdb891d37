"""Docker's RFC 3339 timestamps (nanoseconds, 'Z', the zero time) to aware datetimes."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_FRACTION = re.compile(r"\.(\d+)")


def parse_docker_time(value: str | int | None) -> datetime | None:
    """Parse an Engine API time; None for missing values and Go's zero time (year 1)."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return datetime.fromtimestamp(value, UTC) if value > 0 else None
    text = value.replace("Z", "+00:00")
    # Python takes at most 6 fractional digits; the daemon sends 9.
    text = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), text, count=1)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.year <= 1:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
