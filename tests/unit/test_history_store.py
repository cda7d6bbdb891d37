"""The metric history: downsampling and retention keep it bounded, and two processes writing
at once leave it whole and readable."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from fintui.model import UsageSample
from fintui.store.history import HOUR, MINUTE, RAW, HistoryStore, Retention

T0 = 1_699_999_200  # on an hour: buckets are aligned to the epoch


def sample(value: float, name: str = "data") -> UsageSample:
    return UsageSample("volume", name, value, 1e12)


def test_downsampling_and_retention_keep_the_database_bounded(tmp_path: Path) -> None:
    # Short retentions so months pass quickly: raw 10 min, minutes 2 h, hours 3 days.
    store = HistoryStore(tmp_path / "h.sqlite", Retention(600, 7200, 3 * 86400))
    sizes = []
    for day in range(8):
        store.record_many((T0 + day * 86400 + s, [sample(s), sample(2 * s, "other")])
                          for s in range(0, 86400, 30))
        store.compact(T0 + (day + 1) * 86400)
        sizes.append((tmp_path / "h.sqlite").stat().st_size)
    counts = store.counts()
    # Per series: 10 min of raw at 30 s, 2 h of minutes, 3 days of hours (plus a bucket edge).
    assert counts.get(RAW, 0) <= 2 * (600 // 30 + 2)
    assert counts[MINUTE] <= 2 * (7200 // 60 + 2)
    assert counts[HOUR] <= 2 * (3 * 24 + 2)
    # The file stops growing once retention bites (freed pages are reused).
    assert sizes[-1] <= sizes[3] * 1.1
    points, capacity = store.points(store.series()[0].id)
    assert capacity == 1e12
    assert points[0][0] >= T0 + 8 * 86400 - 3 * 86400 - 3600  # nothing older than retention


def test_averages_are_kept_exact_through_the_tiers(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite", Retention(60, 3600, 86400 * 30))
    # Ten samples a minute, values 0..9 in each minute: every minute averages 4.5.
    store.record_many((T0 + m * 60 + k * 6, [sample(k)]) for m in range(180) for k in range(10))
    store.compact(T0 + 180 * 60 + 7200)
    points, _ = store.points(store.series()[0].id)
    assert points and all(v == pytest.approx(4.5) for _, v in points)


def test_a_late_sample_merges_into_an_existing_bucket_by_weight(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite", Retention(60, 86400, 86400 * 30))
    store.record_many((T0 + k, [sample(10.0)]) for k in range(0, 60, 10))  # 6 samples of 10
    store.compact(T0 + 600)
    store.record([sample(80.0)], T0 + 30)  # a second writer, late, same minute
    store.compact(T0 + 1200)
    points, _ = store.points(store.series()[0].id)
    assert points == [(float(T0), pytest.approx((6 * 10 + 80) / 7))]


def _writer(path: str, name: str, count: int) -> None:
    store = HistoryStore(Path(path), Retention(300, 3600, 86400))
    for i in range(count):
        store.record([sample(float(i), name), sample(1.0, "shared")], T0 + i * 20)


def test_two_processes_writing_at_once_leave_it_readable(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    HistoryStore(path)
    ctx = multiprocessing.get_context("spawn")
    writers = [ctx.Process(target=_writer, args=(str(path), name, 400)) for name in "ab"]
    for w in writers:
        w.start()
    for w in writers:
        w.join(120)
        assert w.exitcode == 0
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store = HistoryStore(path)
    names = {s.name: s.id for s in store.series()}
    assert set(names) == {"a", "b", "shared"}
    for name in "ab":
        points, _ = store.points(names[name])
        assert points[-1] == (float(T0 + 399 * 20), 399.0)
        with sqlite3.connect(path) as db:
            weight, total = db.execute("SELECT SUM(n), SUM(value * n) FROM samples "
                                       "WHERE series = ?", (names[name],)).fetchone()
        # Every sample counted once across the tiers: none lost, none doubled.
        assert (weight, total) == (400, sum(range(400)))


def test_an_unwritable_place_is_a_clear_error_and_is_tried_again(tmp_path: Path) -> None:
    from fintui.store.db import StateUnavailable

    blocker = tmp_path / "file"
    blocker.write_text("")
    store = HistoryStore(blocker / "h.sqlite")  # a console starts all the same
    with pytest.raises(StateUnavailable, match="cannot open the history database") as caught:
        store.record([sample(1.0)], T0)
    assert caught.value.path == blocker / "h.sqlite"
    blocker.unlink()  # the place becomes usable: the same store works, without a restart
    store.record([sample(1.0)], T0)
    assert [s.name for s in store.series()] == ["data"]
