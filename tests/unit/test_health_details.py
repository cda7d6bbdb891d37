"""Why a container is unhealthy, in Details: its health check and last probes read from an
inspect document (sources/engine_health.py) and shown as the Health section
(core/health_view.py through core/inspect_view.highlights)."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from fintui.clock import FixedClock
from fintui.core.format import human_duration
from fintui.core.inspect_view import highlights
from fintui.model_health import HealthCheck
from fintui.sources.demo import DEMO_START, DemoCluster
from fintui.sources.engine_details import details_from
from fintui.sources.engine_health import LINE_CHARS, health_from

SEC = 1_000_000_000


def probe(second: int, code: int, output: str, took_ms: int = 200) -> dict[str, Any]:
    """A State.Health.Log entry as dockerd writes it: nanoseconds and a local offset."""
    end_ms = second * 1000 + took_ms
    return {"Start": f"2026-03-02T14:02:{second:02d}.000000123+00:00",
            "End": f"2026-03-02T14:02:{end_ms // 1000:02d}.{end_ms % 1000:03d}000456+00:00",
            "ExitCode": code, "Output": output}


# What GET /containers/{id}/json says of a container whose check fails (trimmed to the parts
# read here); the daemon keeps the log oldest first.
INSPECT: dict[str, Any] = {
    "Id": "c0ffee" * 10 + "abcd", "Name": "/fix-gateway",
    "State": {"Status": "running", "ExitCode": 0, "StartedAt": "2026-03-02T13:00:00Z",
              "Health": {"Status": "unhealthy", "FailingStreak": 7, "Log": [
                  probe(1, 0, "ok\n"),
                  probe(11, 1, "connect: refused\n"),
                  probe(21, 1, "line one\nline two\r\n[bold]red[/bold] \x1b[31mnot red\n"),
                  probe(31, 1, "x" * 500 + "\n"),
                  probe(41, 1, "".join(f"row {n}\n" for n in range(9))),
                  probe(51, 3, "probe says no\n", took_ms=150)]}},
    "Config": {"Image": "fix/gateway:3.1.4", "Hostname": "c0ffeec0ffee",
               "Healthcheck": {"Test": ["CMD-SHELL", "fixctl ping || exit 1"],
                               "Interval": 10 * SEC, "Timeout": 3 * SEC,
                               "StartPeriod": 90 * SEC, "Retries": 5}},
    "HostConfig": {},
}


def health_section(document: dict[str, Any]) -> tuple[int, list[str]]:
    sections = highlights(details_from(document))
    titles = [title for title, _ in sections]
    return titles.index("Health"), dict(sections)["Health"]


def test_the_engines_health_document_is_read_whole() -> None:
    health = health_from(INSPECT)
    assert health is not None
    assert health.test == ("CMD-SHELL", "fixctl ping || exit 1")
    assert (health.interval_s, health.timeout_s, health.start_period_s,
            health.retries) == (10, 3, 90, 5)
    assert (health.status, health.failing_streak) == ("unhealthy", 7)
    # The last five, newest first; the oldest (the one that passed) is gone.
    assert [p.exit_code for p in health.probes] == [3, 1, 1, 1, 1]
    newest = health.probes[0]
    assert newest.output == ("probe says no",)
    assert newest.start is not None and newest.end is not None
    assert round((newest.end - newest.start).total_seconds(), 3) == 0.15


def test_probe_output_is_kept_as_lines_made_inert_and_trimmed() -> None:
    health = health_from(INSPECT)
    assert health is not None
    many, long, hostile = health.probes[1].output, health.probes[2].output, \
        health.probes[3].output
    assert many == ("row 0", "row 1", "row 2", "… 6 more lines")
    assert len(long) == 1 and len(long[0]) == LINE_CHARS and long[0].endswith("…")
    # Markup stays characters; the escape byte is shown, never sent to the terminal.
    assert hostile == ("line one", "line two", "[bold]red[/bold] \\x1b[31mnot red")


def test_an_unhealthy_container_shows_why_first() -> None:
    position, lines = health_section(INSPECT)
    assert position == 0
    assert lines[:3] == ["status: unhealthy — failing 7 probes in a row",
                         "check: fixctl ping || exit 1",
                         "every 10s, timeout 3s, 5 retries, start period "
                         f"{human_duration(90)}"]  # the console's one way to say a duration
    assert lines[3:5] == ["14:02:51  exit 3  (0.15s)", "    probe says no"]
    assert "14:02:41  exit 1  (0.2s)" in lines
    assert "    [bold]red[/bold] \\x1b[31mnot red" in lines
    heads = [line for line in lines[3:] if not line.startswith(" ")]
    assert heads == sorted(heads, reverse=True) and len(heads) == 5  # newest first


def test_a_check_left_at_the_daemons_defaults_says_them() -> None:
    document = copy.deepcopy(INSPECT)
    document["Config"]["Healthcheck"] = {"Test": ["CMD", "curl", "-f", "http://x/health a"]}
    document["State"]["Health"] = {"Status": "starting", "FailingStreak": 2, "Log": []}
    position, lines = health_section(document)
    assert position == 0  # starting, and already failing: still the first thing to read
    assert lines == ["status: starting — failing 2 probes in a row (unhealthy at 3)",
                     "check: curl -f 'http://x/health a'",
                     "every 30s, timeout 30s, 3 retries, start period 0s",
                     "no probe results yet"]


def test_a_healthy_check_and_no_check_read_further_down() -> None:
    document = copy.deepcopy(INSPECT)
    document["State"]["Health"] = {"Status": "healthy", "FailingStreak": 0,
                                   "Log": [probe(1, 0, "ok\n", took_ms=30)]}
    position, lines = health_section(document)
    assert position == 2  # after Container and Command
    assert lines[0] == "status: healthy" and lines[3:] == ["14:02:01  exit 0  (0.03s)",
                                                         "    ok"]
    del document["Config"]["Healthcheck"], document["State"]["Health"]
    assert health_section(document) == (2, ["no health check configured"])
    document["Config"]["Healthcheck"] = {"Test": ["NONE"]}
    assert health_section(document) == (2, ["health check disabled (NONE)"])


def test_a_streak_of_one_is_said_in_the_singular() -> None:
    health = HealthCheck(("CMD-SHELL", "true"), status="healthy", failing_streak=1)
    lines = dict(highlights(replace(details_from(INSPECT), health=health)))["Health"]
    assert lines[0] == "status: healthy — failing 1 probe in a row (unhealthy at 3)"


async def test_the_demos_unhealthy_container_says_why_and_keeps_saying_it() -> None:
    cluster = DemoCluster(seed=7, clock=FixedClock(DEMO_START), step_seconds=2.0)
    await cluster.sweep()
    first = dict(highlights(await cluster.details("fix-gateway")))
    assert next(iter(first)) == "Health"
    lines = first["Health"]
    assert lines[0].startswith("status: unhealthy — failing ")
    assert lines[1] == "check: fixctl ping --session XSHG --within 2s || exit 1"
    assert lines[4].startswith("    XSHG: no Heartbeat for ")
    assert await cluster.details("fix-gateway") == await cluster.details("fix-gateway")
    for _ in range(10):  # 20 s later: newer probes, a longer streak
        await cluster.sweep()
    later = dict(highlights(await cluster.details("fix-gateway")))["Health"]
    assert later[3] != lines[3] and later[0] != lines[0]
    healthy = dict(highlights(await cluster.details("ledger-db")))
    assert list(healthy).index("Health") > 0 and healthy["Health"][0] == "status: healthy"
    assert dict(highlights(await cluster.details("md-feed-sse")))["Health"] == [
        "no health check configured"]  # its row shows no health either
