"""[policies], [guard] approve and alert rules' isolate action: read as written, and every
mistake an operator can make named with its file, line and key (the policy would act wrongly
or never, unseen, otherwise)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fintui.config import ConfigError, load_settings

SCHEDULE = '''
[[policies.schedule]]
name = "open"
service = "pricing"
replicas = 6
at = "09:00"
days = ["mon", "tue", "wed", "thu", "fri"]
timezone = "Asia/Shanghai"
'''
AUTOSCALE = '''
[[policies.autoscale]]
name = "pricing-burst"
service = "pricing"
metric = "cpu"
scale_out_above = 70
scale_in_below = 20
min = 2
max = 8
cooldown = "2m"
'''
ISOLATE_RULE = '''
[[alerts.rules]]
name = "pricing-sick"
metric = "container.unhealthy"
op = "=="
threshold = 1
for = "5s"
severity = "critical"
scope = { service = "pricing" }
action = "isolate"
max_per_hour = 2
'''


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_issues_shapes_load_with_their_defaults(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, SCHEDULE + AUTOSCALE + ISOLATE_RULE + '''
[guard]
approve = ["scale-to-zero", "clean-named-volumes", "drain", "rollout"]
approval_ttl = "15m"
'''))
    schedule, = settings.policies.schedule
    assert (schedule.service, schedule.replicas, schedule.at, schedule.timezone,
            schedule.mode) == ("pricing", 6, "09:00", "Asia/Shanghai", "act")
    autoscale, = settings.policies.autoscale
    assert (autoscale.samples, autoscale.step, autoscale.cooldown, autoscale.mode) == \
        (3, 1, 120.0, "act")
    rule, = settings.alerts.rules
    assert (rule.action, rule.max_per_hour, rule.max_fraction, rule.faulty) == \
        ("isolate", 2, 0.5, True)
    assert settings.guard.approve == ("scale-to-zero", "clean-named-volumes", "drain",
                                      "rollout")
    assert settings.guard.approval_ttl == 900.0


def test_nothing_is_configured_by_default() -> None:
    settings = load_settings(None)
    assert settings.policies.schedule == () and settings.policies.autoscale == ()
    assert settings.guard.approve == () and settings.guard.approval_ttl == 1800.0


@pytest.mark.parametrize(("text", "key", "words"), [
    (AUTOSCALE.replace("scale_in_below = 20", "scale_in_below = 70"),
     "policies.autoscale[0].scale_in_below", "must be below scale_out_above"),
    (AUTOSCALE.replace("min = 2", "min = 9"), "policies.autoscale[0].min", "not be above max"),
    (AUTOSCALE.replace('metric = "cpu"', 'metric = "host.cpu_percent"'),
     "policies.autoscale[0].metric", "must be one of cpu, memory"),
    (AUTOSCALE.replace('cooldown = "2m"', 'cooldown = "soon"'),
     "policies.autoscale[0].cooldown", "duration"),
    (AUTOSCALE + 'mode = "maybe"\n', "policies.autoscale[0].mode", "act, propose"),
    (SCHEDULE.replace('at = "09:00"', 'at = "9am"'), "policies.schedule[0].at", "09:15"),
    (SCHEDULE.replace('"fri"]', '"fri", "fry"]'), "policies.schedule[0].days", "'fry'"),
    (SCHEDULE.replace("Asia/Shanghai", "Mars/Olympus"), "policies.schedule[0].timezone",
     "unknown time zone"),
    (SCHEDULE.replace('name = "open"', 'name = "open now"'), "policies.schedule[0].name",
     "letters, digits"),
    (SCHEDULE.replace('service = "pricing"\n', ''), "policies.schedule[0].service", "missing"),
    (SCHEDULE + AUTOSCALE.replace('"pricing-burst"', '"open"'), "policies.autoscale[0].name",
     "policy name 'open' is used twice"),
    (ISOLATE_RULE.replace("container.unhealthy", "host.cpu_percent"),
     "alerts.rules[0].action", "needs a container metric"),
    (ISOLATE_RULE.replace('action = "isolate"', 'action = "restart"'),
     "alerts.rules[0].action", "isolate"),
    (ISOLATE_RULE + "max_fraction = 2\n", "alerts.rules[0].max_fraction", "between 0 and 1"),
    (ISOLATE_RULE.replace('scope = { service = "pricing" }\n', ''), "alerts.rules[0].action",
     "needs a scope"),
    (ISOLATE_RULE.replace('action = "isolate"', 'action = "quarantine"'),
     "alerts.rules[0].action", 'must be one of "", isolate'),
    ('[guard]\napprove = ["scale-to-one"]\n', "guard.approve", "scale-to-zero"),
    (SCHEDULE.replace("replicas = 6", "replicas = 999"), "policies.schedule[0].replicas",
     "above [scale] max_replicas (50)"),
    (AUTOSCALE.replace("max = 8", "max = 80"), "policies.autoscale[0].max",
     "above [scale] max_replicas"),
    (SCHEDULE + 'endpoint = "nope"\n', "policies.schedule[0].endpoint",
     "no [[endpoints]] item is named 'nope'"),
])
def test_mistakes_are_named_by_key(tmp_path: Path, text: str, key: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text))
    assert caught.value.key == key and words in str(caught.value), str(caught.value)
    assert caught.value.line is not None  # the operator is sent to the line


def test_a_shell_cannot_be_listed_for_approval(tmp_path: Path) -> None:
    """A shell runs on the operator's own terminal and cannot wait for anyone: listing it
    would look like four eyes and be none."""
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, '[guard]\napprove = ["scale", "shell"]\n'))
    assert caught.value.key == "guard.approve" and "'shell'" in str(caught.value)
