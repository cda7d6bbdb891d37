"""A schedule's occurrences: a local time on given days in a time zone, the latest one at or
before now, the next one, and the catch-up rule (the latest occurrence applies after an outage
only while no later schedule of the same service has come)."""

from __future__ import annotations

from datetime import UTC, datetime

from fintui.core.schedule import When, latest, local_text, occurrence_key, still_open, upcoming

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
OPEN = When("09:00", WEEKDAYS, "Asia/Shanghai")  # 01:00 UTC
CLOSE = When("15:30", WEEKDAYS, "Asia/Shanghai")  # 07:30 UTC


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_latest_occurrence_is_local_time_in_the_time_zone() -> None:
    # Wednesday 2026-03-04, 02:00 UTC is 10:00 in Shanghai: today's 09:00 has come.
    assert latest(OPEN, utc("2026-03-04T02:00")) == utc("2026-03-04T01:00")
    # 00:30 UTC is 08:30 in Shanghai: the latest is yesterday's.
    assert latest(OPEN, utc("2026-03-04T00:30")) == utc("2026-03-03T01:00")
    # Exactly at the time: it has come.
    assert latest(OPEN, utc("2026-03-04T01:00")) == utc("2026-03-04T01:00")


def test_days_that_are_not_listed_are_skipped() -> None:
    # Monday 2026-03-09 at 08:00 Shanghai: the latest weekday 09:00 is Friday's.
    assert latest(OPEN, utc("2026-03-09T00:00")) == utc("2026-03-06T01:00")
    # Friday after the open: the next is Monday's.
    assert upcoming(OPEN, utc("2026-03-06T02:00")) == utc("2026-03-09T01:00")
    assert local_text(OPEN, utc("2026-03-09T01:00")) == "Mon 09:00 Asia/Shanghai"


def test_the_local_date_decides_the_day_not_utc() -> None:
    # Sunday 2026-03-08 20:00 UTC is Monday 04:00 in Shanghai: Monday's 09:00 is next,
    # at 01:00 UTC on Monday, and the latest is Friday's.
    late = utc("2026-03-08T20:00")
    assert upcoming(OPEN, late) == utc("2026-03-09T01:00")
    assert latest(OPEN, late) == utc("2026-03-06T01:00")
    # New York, west of UTC: Friday 20:00 there is Saturday 01:00 UTC.
    friday_evening = When("20:00", ("fri",), "America/New_York")
    assert latest(friday_evening, utc("2026-03-07T02:00")) == utc("2026-03-07T01:00")


def test_daylight_saving_moves_the_utc_time_not_the_local_one() -> None:
    nine = When("09:00", ("mon",), "Europe/London")
    assert latest(nine, utc("2026-03-23T12:00")) == utc("2026-03-23T09:00")  # GMT
    assert latest(nine, utc("2026-03-30T12:00")) == utc("2026-03-30T08:00")  # BST


def test_a_missed_occurrence_applies_until_another_schedule_of_the_service_comes() -> None:
    # Down from before 09:00, back at 12:00: the open is still due (its window is open).
    noon = utc("2026-03-04T04:00")
    open_at = latest(OPEN, noon)
    assert open_at is not None
    assert still_open(open_at, [CLOSE], noon)
    # Back at 16:00: the close (15:30) came since, so the open's window has closed...
    four = utc("2026-03-04T08:00")
    open_at = latest(OPEN, four)
    assert open_at is not None
    assert not still_open(open_at, [CLOSE], four)
    # ...and the close's is open.
    close_at = latest(CLOSE, four)
    assert close_at is not None
    assert still_open(close_at, [OPEN], four)


def test_at_a_first_start_only_the_schedule_that_came_last_applies() -> None:
    # Saturday: Friday's close came after Friday's open.
    saturday = utc("2026-03-07T03:00")
    open_at, close_at = latest(OPEN, saturday), latest(CLOSE, saturday)
    assert open_at is not None and close_at is not None
    assert not still_open(open_at, [CLOSE], saturday)
    assert still_open(close_at, [OPEN], saturday)


def test_an_occurrence_is_remembered_by_its_utc_minute() -> None:
    assert occurrence_key(utc("2026-03-04T01:00")) == "2026-03-04T01:00Z"
    assert occurrence_key(datetime.fromisoformat("2026-03-04T09:00+08:00")) == \
        "2026-03-04T01:00Z"
