"""Forecasts for people and scripts: the `fintui forecast` text and its stable JSON, and the
CSV a series can be given in. Pure."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from fintui.core.format import human_bytes
from fintui.model import Forecast
from fintui.timeparse import parse_docker_time

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGTP]?)(i?B?)\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """`1099511627776`, `500GiB`, `2T`, `750G` (binary units: what `df -h` and Docker mean)."""
    match = _SIZE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a size: use bytes or a number with K, M, G, T, P")
    number, unit = float(match.group(1)), match.group(2).upper()
    value = int(number * 1024 ** "_KMGTP".index(unit)) if unit else int(number)
    if value <= 0:
        raise ValueError(f"{text!r}: the capacity must be more than 0 bytes")
    return value


def parse_history_csv(text: str) -> list[tuple[float, float]]:
    """`timestamp,used_bytes` rows (a header line is allowed): ISO 8601 or epoch seconds.
    Raises ValueError naming the line."""
    points = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if len(row) < 2:
            raise ValueError(f"line {number}: expected timestamp,used_bytes")
        stamp, used = row[0].strip(), row[1].strip()
        if number == 1 and not _number(used):
            continue  # the header
        when = float(stamp) if _number(stamp) else _iso(stamp, number)
        if not _number(used):
            raise ValueError(f"line {number}: used_bytes {used!r} is not a number")
        points.append((when, float(used)))
    if not points:
        raise ValueError("no rows: expected timestamp,used_bytes lines")
    return points


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _iso(text: str, line: int) -> float:
    parsed = parse_docker_time(text)
    if parsed is None:
        raise ValueError(f"line {line}: timestamp {text!r} is neither ISO 8601 nor epoch seconds")
    return parsed.timestamp()


def _days(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def forecast_document(f: Forecast) -> dict[str, Any]:
    """The stable JSON of one forecast (documented in the README)."""
    return {
        "target": f.target,
        "kind": f.kind,
        "status": f.status,
        "message": f.message,
        "used_bytes": round(f.used_bytes),
        "capacity_bytes": None if f.capacity_bytes is None else round(f.capacity_bytes),
        "model": f.model or None,
        "growth_bytes_per_day": None if f.growth_per_day is None else round(f.growth_per_day),
        "days_to_full": _days(f.days_to_full),
        "days_to_full_low": _days(f.days_to_full_low),
        "days_to_full_high": _days(f.days_to_full_high),
        "projections": [{"days": d, "bytes": round(b)} for d, b in f.projections],
        "severity": f.severity or None,
        "expand": f.expand,
        "recommended_capacity_bytes": None if f.recommended_capacity is None
        else round(f.recommended_capacity),
    }


def full_in(f: Forecast) -> str:
    """`12.3d (10.1-15.0)`, `>10y`, or why there is no date."""
    if f.days_to_full is None:
        return {"too-short": "too short", "flat": "flat", "shrinking": "shrinking"}.get(
            f.status, "no date" if f.capacity_bytes is None or f.status != "ok" else ">10y")
    low = "?" if f.days_to_full_low is None else f"{f.days_to_full_low:.1f}"
    high = "never?" if f.days_to_full_high is None else f"{f.days_to_full_high:.1f}"
    return f"{f.days_to_full:.1f}d ({low}-{high})"


def forecast_text(f: Forecast) -> list[str]:
    lines = [f"{f.target}: {f.message}"]
    if f.model:
        lines.append(f"  model {f.model}, growth {human_bytes(f.growth_per_day)}/day")
    lines.append(f"  used {human_bytes(f.used_bytes)} of {human_bytes(f.capacity_bytes)}")
    if f.days_to_full is not None:
        lines.append(f"  full in {full_in(f)}, 95% band")
    for days, value in f.projections:
        lines.append(f"  +{days}d: {human_bytes(value)}")
    if f.severity:
        lines.append(f"  {f.severity.upper()}" + (": expand the capacity" if f.expand else ""))
    if f.recommended_capacity is not None:
        lines.append(f"  planning: {human_bytes(f.recommended_capacity)} "
                     "(daily growth x retention x redundancy)")
    return lines
