"""Log search by words, and which lines read as errors or warnings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from fintui.core.log_lines import saved_log_name
from fintui.core.log_search import Search, level, marks

WARN_LINE = "01:25:42 WARN heartbeat to venue FIX session [XSHG] timed out"


def test_every_word_must_match_in_any_order_and_case() -> None:
    for query in ("WARN XSHG", "xshg warn", "  warn   xshg ", "Warn"):
        assert Search.parse(query).matches(WARN_LINE), query
    assert not Search.parse("warn XSHE").matches(WARN_LINE)  # one word missing: no match
    assert not Search.parse("warn xshg nope").matches(WARN_LINE)


def test_an_empty_search_matches_everything_and_is_false() -> None:
    search = Search.parse("   ")
    assert not search and search.matches("anything") and search.spans("anything") == []


def test_words_are_literal_not_patterns() -> None:
    assert Search.parse("[XSHG]").matches(WARN_LINE)
    assert not Search.parse("X.HG").matches(WARN_LINE)
    assert Search.parse("a.b").matches("took a.b") and not Search.parse("a.b").matches("aXb")


def test_spans_cover_each_occurrence_the_longer_word_whole() -> None:
    search = Search.parse("out time timed")
    line = "timed out, time out"
    assert [line[a:b] for a, b in search.spans(line)] == ["timed", "out", "time", "out"]


def test_levels_are_whole_capital_words_or_structured_fields() -> None:
    assert level(WARN_LINE) == ("warn", 9, 13)
    assert level("x ERROR reconciliation failed")[:1] == ("error",)  # type: ignore[index]
    assert level("FATAL: out of memory") == ("error", 0, 5)
    assert level("0 errors, no error here") is None  # a word in a message is not a level
    assert level("ERRORS=0 WARNINGS") is None
    assert level('{"level":"warn","msg":"x"}') == ("warn", 10, 14)
    assert level("ts=1 level=ERROR msg=boom")[0] == "error"  # type: ignore[index]
    # The worst level wins, wherever it is.
    assert level("WARN retry after ERROR") == ("error", 17, 22)


def test_marks_put_the_level_first_then_the_matches() -> None:
    found = marks(WARN_LINE, Search.parse("xshg"))
    at = WARN_LINE.index("XSHG")
    assert found == [(0, len(WARN_LINE), "warn"), (9, 13, "warn"), (at, at + 4, "match")]
    assert marks("plain line", Search.parse("")) == []


def test_a_saved_log_is_named_for_its_container_in_utc() -> None:
    when = datetime(2026, 3, 2, 9, 5, 7, tzinfo=timezone(timedelta(hours=8)))
    assert saved_log_name("recon-worker", when) == "recon-worker-20260302T010507Z.log"
    now = datetime(2026, 3, 2, tzinfo=UTC)
    assert saved_log_name("../../etc/passwd", now) == "etc_passwd-20260302T000000Z.log"
    assert saved_log_name("a/b\x1b[31m c", now) == "a_b_31m_c-20260302T000000Z.log"
    assert saved_log_name("..", now) == "container-20260302T000000Z.log"


def test_with_every_word_a_line_missing_one_gets_no_match_marks() -> None:
    search = Search.parse("warn xshg")
    info = "01:29:33 INFO pricing processed 306 msgs venue=XSHG"
    assert marks(info, search) == [(info.index("XSHG"), len(info), "match")]
    assert marks(info, search, every_word=True) == []
    assert [k for _, _, k in marks(WARN_LINE, search, every_word=True)].count("match") == 2
