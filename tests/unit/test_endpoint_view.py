"""Which endpoint the console shows: every one, then each alone; storage steps one by one."""

from __future__ import annotations

from fintui.core.endpoint_view import next_view, on_endpoint

NAMES = ["desk-a", "desk-b"]


def test_e_steps_from_every_endpoint_through_each_and_back() -> None:
    seen = [""]
    for _ in range(3):
        seen.append(next_view(seen[-1], NAMES))
    assert seen == ["", "desk-a", "desk-b", ""]


def test_on_storage_e_steps_from_the_endpoint_shown_to_the_next() -> None:
    assert next_view("desk-a", NAMES, with_all=False) == "desk-b"
    assert next_view("desk-b", NAMES, with_all=False) == "desk-a"
    assert next_view("", NAMES, with_all=False) == "desk-b"  # it showed desk-a
    assert next_view("", [], with_all=False) == ""


def test_an_alert_belongs_to_its_endpoint_and_a_host_alert_to_every_view() -> None:
    assert on_endpoint("recon-worker@desk-b", "desk-b")
    assert not on_endpoint("recon-worker@desk-a", "desk-b")
    assert on_endpoint("host", "desk-b") and on_endpoint("recon-worker@desk-a", "")
