"""A lost source is a state on screen, not a crash: disconnected with the reason, last data
kept and marked stale, and live again by itself when the source returns."""

from __future__ import annotations

from fintui.tui.panes.containers import ContainersPane
from tests.fakes import FlakyCluster
from tests.tui.helpers import FAST_CONFIG as FAST
from tests.tui.helpers import make_app, screen_text, until_loaded, wait_for


async def test_outage_shows_reason_keeps_stale_rows_and_recovers() -> None:
    source = FlakyCluster()
    app = make_app(config=FAST, source=source)
    async with app.run_test(size=(200, 30)) as pilot:
        await until_loaded(pilot)
        await wait_for(pilot, "● live")
        source.down = "connection refused by /var/run/docker.sock"
        await wait_for(pilot, "DISCONNECTED", seconds=2.0)
        text = screen_text(app)
        assert "connection refused by /var/run/docker.sock — retrying" in text
        assert "STALE since" in text
        pane = app.query_one(ContainersPane)
        assert len(pane.row_keys()) == 11, "the last good rows stay on screen"
        assert pane.has_class("-stale")
        source.down = None
        await wait_for(pilot, "● live", seconds=3.0)
        assert "DISCONNECTED" not in screen_text(app)
        assert not pane.has_class("-stale")
        assert app.is_running


async def test_source_down_from_the_start_shows_why() -> None:
    source = FlakyCluster()
    source.down = "permission denied on /var/run/docker.sock"
    app = make_app(config=FAST, source=source)
    async with app.run_test(size=(200, 30)) as pilot:
        await until_loaded(pilot)
        await wait_for(pilot, "permission denied on /var/run/docker.sock")
        assert "STALE" not in screen_text(app)  # nothing old to show
        assert "0 of 0 containers" in screen_text(app)


def test_header_shows_each_endpoints_state_and_why_one_is_down() -> None:
    from datetime import UTC, datetime

    from fintui.model import ClusterSnapshot, SourceStatus
    from fintui.tui.widgets.status_bar import status_parts

    at = datetime(2026, 11, 23, 9, 15, 7, tzinfo=UTC)
    snap = ClusterSnapshot(
        taken_at=at, source=SourceStatus("desk-a, desk-b", True), stale=True,
        endpoints=(SourceStatus("unix:///a.sock", True, engine_version="27.1", name="desk-a"),
                   SourceStatus("ssh://ops@b", False, error="ssh to ops@b: Permission denied",
                                name="desk-b", since=at)))
    text = "".join(p if isinstance(p, str) else p[0] for p in status_parts(snap, False, "ops"))
    assert text.startswith(" fintui   ● desk-a  ✕ desk-b DOWN ssh to ops@b: Permission denied"
                           " — retrying STALE since 09:15:07")
    assert "DISCONNECTED" not in text and "engine" not in text


def test_header_says_which_endpoint_reaches_the_same_daemon_as_another() -> None:
    from datetime import UTC, datetime

    from fintui.core.report import status_document, status_text
    from fintui.model import ClusterSnapshot, SourceStatus
    from fintui.tui.widgets.status_bar import status_parts

    snap = ClusterSnapshot(
        taken_at=datetime(2026, 11, 23, 9, 15, tzinfo=UTC),
        source=SourceStatus("desk-a, desk-a-tcp", True),
        endpoints=(SourceStatus("unix:///a.sock", True, name="desk-a"),
                   SourceStatus("tcp://a:2376", True, name="desk-a-tcp", same_as="desk-a")))
    text = "".join(p if isinstance(p, str) else p[0] for p in status_parts(snap, False, "ops"))
    assert text.startswith(" fintui   ● desk-a  ● desk-a-tcp = desk-a  ")
    assert "endpoint desk-a-tcp  tcp://a:2376  connected (same daemon as desk-a: its rows " \
           "show once)" in status_text(snap)
    assert [e["same_as"] for e in status_document(snap)["endpoints"]] == [
        None, "desk-a"]
