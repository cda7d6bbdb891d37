"""When a schedule policy is due: its occurrences (a local time on given days in a time zone),
and whether its latest one still applies (the catch-up rule). Pure: the clock is an argument."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # as [guard.freeze] names them


@dataclass(frozen=True, slots=True)
class When:
    """What a schedule says of time: `at` ("HH:MM") on `days` ("mon".."sun") in `timezone`."""

    at: str
    days: tuple[str, ...]
    timezone: str


def _local(when: When, day: date) -> datetime:
    hour, minute = (int(part) for part in when.at.split(":"))
    # zoneinfo resolves a time that does not exist (the spring-forward gap) or exists twice
    # (autumn) by its offset before the change (fold 0): the occurrence still comes once.
    return datetime.combine(day, time(hour, minute), ZoneInfo(when.timezone))


def _candidates(when: When, now: datetime, days: Iterable[int]) -> Iterable[datetime]:
    """Occurrences on the local days `now`'s local date shifted by each of `days`, in UTC."""
    today = now.astimezone(ZoneInfo(when.timezone)).date()
    wanted = {DAYS.index(d) for d in when.days}
    for shift in days:
        day = today + timedelta(days=shift)
        if day.weekday() in wanted:
            yield _local(when, day).astimezone(UTC)


def latest(when: When, now: datetime) -> datetime | None:
    """The latest occurrence at or before `now` (UTC), None when it names no day. A week and a
    day back always holds one (a day more for a time zone's shift)."""
    return next((t for t in _candidates(when, now, range(1, -9, -1)) if t <= now), None)


def upcoming(when: When, now: datetime) -> datetime | None:
    """The earliest occurrence after `now` (UTC)."""
    return next((t for t in _candidates(when, now, range(-1, 9)) if t > now), None)


def still_open(occurrence: datetime, others: Iterable[When], now: datetime) -> bool:
    """Whether an occurrence's window is open: no other schedule of the same service has had
    an occurrence after it (up to now). After an outage, or at a first start, only the
    schedule that came last is applied: a 09:00 "open" missed while down is applied at
    12:00, but not once the 15:30 "close" has come."""
    for other in others:
        theirs = latest(other, now)
        if theirs is not None and theirs > occurrence:
            return False
    return True


def occurrence_key(occurrence: datetime) -> str:
    """How an occurrence is remembered as applied: its UTC time, to the minute."""
    return occurrence.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def local_text(when: When, occurrence: datetime) -> str:
    """An occurrence in the schedule's own time: "Mon 09:00 Asia/Shanghai"."""
    local = occurrence.astimezone(ZoneInfo(when.timezone))
    return f"{DAYS[local.weekday()].capitalize()} {local:%H:%M} {when.timezone}"
