"""The outbox policy, without a network: backoff, keys, what a resolution does to a firing
message still waiting, the bound, and the line the Alerts pane shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from fintui.core.alerts import Alert, AlertEngine, Observation
from fintui.core.webhook_outbox import Outbox, message_key, retry_delay
from fintui.model import AlertRule as Rule

T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
RULE = Rule("crash-loop", "container.restarts_in_window", ">=", 3, 0, "critical")


def fired_then_resolved(*targets: str) -> tuple[list[Alert], list[Alert]]:
    engine = AlertEngine(resolve_after=0)
    fired = engine.evaluate([Observation(RULE, t, 4) for t in ("recon", "ledger")], T0)
    resolved = engine.evaluate([Observation(RULE, t, 0) for t in targets]
                               + [Observation(RULE, t, 4) for t in ("recon", "ledger")
                                  if t not in targets], T0 + timedelta(seconds=10))
    return fired, resolved


def test_backoff_doubles_from_two_seconds_to_a_five_minute_cap() -> None:
    delays = [retry_delay(n) for n in range(1, 12)]
    assert delays[:4] == [2.0, 4.0, 8.0, 16.0]
    assert all(b == min(300.0, 2 * a) for a, b in pairwise(delays))
    assert delays[-1] == 300.0 and retry_delay(10_000) == 300.0


def test_the_key_names_the_transition_not_the_try() -> None:
    fired, resolved = fired_then_resolved("recon", "ledger")
    assert message_key("ops", "firing", fired) == message_key("ops", "firing", fired[::-1])
    assert message_key("ops", "firing", fired) != message_key("ops", "resolved", resolved)
    assert message_key("ops", "firing", fired) != message_key("desk", "firing", fired)
    later, _ = fired_then_resolved()
    refired = [Alert(**{**vars(a), "fired": T0 + timedelta(hours=1)}) for a in later]
    assert message_key("ops", "firing", refired) != message_key("ops", "firing", fired)


def test_a_resolution_takes_its_alert_out_of_a_waiting_firing_message() -> None:
    fired, resolved = fired_then_resolved("recon")
    box = Outbox("ops")
    firing = box.add("firing", fired)
    assert firing is not None
    key = firing.key
    box.add("resolved", resolved)
    assert [(m.status, [a.target for a in m.alerts]) for m in box.queue] == [
        ("firing", ["ledger"]), ("resolved", ["recon"])]
    assert box.queue[0].key == key  # a try that may have reached the receiver dedups


def test_a_message_on_its_way_is_never_changed_nor_dropped() -> None:
    fired, resolved = fired_then_resolved("recon", "ledger")
    box = Outbox("ops", limit=1)
    box.add("firing", fired)
    on_its_way = box.start(now=0.0)
    box.add("resolved", resolved)
    assert box.queue[0] is on_its_way and len(on_its_way.alerts) == 2
    assert [m.status for m in box.queue] == ["firing", "resolved"]  # over the limit by
    assert box.dropped == 0                                           # the one on its way


def test_the_line_says_what_waits_when_it_is_retried_and_why() -> None:
    fired, _ = fired_then_resolved()
    box = Outbox("ops")
    assert box.line(0.0, 5) is None  # nothing happened: nothing to say
    box.add("firing", fired)
    box.start(now=100.0)
    sending = box.line(101.0, 5)
    assert sending is not None and (sending.text, sending.trouble) == ("1 waiting, sending",
                                                                       False)
    slow = box.line(107.0, 5)
    assert slow is not None and slow.trouble
    assert slow.text == "1 waiting, no reply after 7 s, still waiting"
    box.failed_head("HTTP 503", now=110.0, retry=True, retry_after=None)
    box.failed_head("HTTP 503", now=112.0, retry=True, retry_after=None)
    line = box.line(112.5, 5)
    assert line is not None and line.trouble
    assert line.text == "1 waiting, retry in 4 s (last error: HTTP 503)"
    box.start(now=116.0)
    box.delivered_head()
    done = box.line(117.0, 5)
    assert done is not None and (done.text, done.trouble) == ("delivered", False)


def test_retry_after_is_followed_up_to_the_cap() -> None:
    fired, _ = fired_then_resolved()
    box = Outbox("ops")
    box.add("firing", fired)
    box.start(now=0.0)
    box.failed_head("HTTP 429", now=0.0, retry=True, retry_after=30)
    assert box.wait(0.0) == 30
    box.start(now=30.0)
    box.failed_head("HTTP 429", now=30.0, retry=True, retry_after=86_400)
    assert box.wait(30.0) == 300
