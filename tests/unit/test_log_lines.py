"""Log lines as kept: cut into marked pieces, and a tail bounded in lines and characters."""

from __future__ import annotations

from fintui.core.log_lines import CONTINUED, CONTINUES, TRUNCATED_PREFIX, LogTail, cut


def test_cut_marks_every_seam_and_loses_nothing() -> None:
    assert cut("short", 10) == ["short"]
    pieces = cut("abcdefghij" * 3 + "xy", 10)
    assert pieces == ["abcdefghij" + CONTINUES, CONTINUED + "abcdefghij" + CONTINUES,
                      CONTINUED + "abcdefghij" + CONTINUES, CONTINUED + "xy"]
    assert cut("a" * 20, 10) == ["a" * 10 + CONTINUES, CONTINUED + "a" * 10]


def test_tail_keeps_the_newest_lines_within_both_budgets() -> None:
    tail = LogTail(max_chars=100, max_lines=5)
    assert tail.extend(f"line {i}" for i in range(8)) == ["line 0", "line 1", "line 2"]
    assert list(tail) == [f"line {i}" for i in range(3, 8)]
    tail.extend(["x" * 75])  # 75 + 1 more characters: the oldest go until it fits
    assert list(tail) == ["line 5", "line 6", "line 7", "x" * 75] and tail.chars == 97
    tail.extend(["y" * 500])  # longer than the budget on its own: still shown, alone
    assert list(tail) == ["y" * 500]
    assert tail.dropped_lines == 9


def test_empty_lines_count_against_the_budget() -> None:
    tail = LogTail(max_chars=10)
    tail.extend([""] * 1000)
    assert len(tail) == 10


def test_text_says_what_was_left_out() -> None:
    whole = LogTail(max_chars=1000)
    whole.extend(["a", "b"])
    assert whole.text() == "a\nb\n"
    assert LogTail(max_chars=10).text() == ""
    cut_short = LogTail(max_chars=10)
    cut_short.extend(["0123456789", "abc", "def"])
    first, *rest = cut_short.text().split("\n")
    assert first == (f"{TRUNCATED_PREFIX}1 earlier lines (11 characters) left out; "
                     "kept the last 2 lines (8 characters)")
    assert rest == ["abc", "def", ""]
