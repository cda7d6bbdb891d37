"""Every number and duration in the config has a sane range: an absurd value (1e308 seconds,
inf, nan, a 10^23 replica count) is refused in one line naming the file, key and range,
instead of hanging a request or overflowing a timer later."""

from __future__ import annotations

import math
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fintui.config import ConfigError, default_config_text, load_settings, parse_duration

DEFAULTS = tomllib.loads(default_config_text())


def leaves(table: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in table.items():
        if isinstance(value, dict) and prefix + key not in ("guard.roles", "keys"):
            yield from leaves(value, f"{prefix}{key}.")
        else:
            yield prefix + key, value


NUMBERS = [(k, v) for k, v in leaves(DEFAULTS)
           if isinstance(v, int | float) and not isinstance(v, bool)]
DURATIONS = [k for k, v in leaves(DEFAULTS) if isinstance(v, str) and parse_duration(v)]


def toml_value(value: float) -> str:
    return {math.inf: "inf", -math.inf: "-inf"}.get(value, "nan" if value != value
                                                    else repr(value))


def refused(tmp_path: Path, key: str, literal: str) -> str:
    table, name = key.rsplit(".", 1)
    path = tmp_path / "c.toml"
    path.write_text(f"[{table}]\n{name} = {literal}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(str(path))
    message = str(caught.value)
    assert message.startswith(f"{path}:2: key '{key}': must be between "), message
    assert "\n" not in message
    return message


def test_every_number_is_listed() -> None:
    """The lists below are read from the shipped defaults: a new setting is checked too."""
    assert len(NUMBERS) >= 25 and len(DURATIONS) >= 12
    assert ("docker.request_timeout", 5.0) in NUMBERS and "history.retention" in DURATIONS


@pytest.mark.parametrize(("key", "default"), NUMBERS, ids=[k for k, _ in NUMBERS])
def test_every_number_has_a_range(tmp_path: Path, key: str, default: float) -> None:
    if isinstance(default, float):
        for absurd in (1e308, math.inf, -math.inf, math.nan, -1.0):
            refused(tmp_path, key, toml_value(absurd))
    else:
        refused(tmp_path, key, str(2**62))
        refused(tmp_path, key, "-1")
    # The default itself is in range, written out as a user would.
    path = tmp_path / "ok.toml"
    table, name = key.rsplit(".", 1)
    path.write_text(f"[{table}]\n{name} = {default!r}\n")
    load_settings(str(path))


@pytest.mark.parametrize("key", DURATIONS)
def test_every_duration_has_a_range(tmp_path: Path, key: str) -> None:
    message = refused(tmp_path, key, '"99999999999999d"')
    assert message.endswith("(got '99999999999999d')")


def test_the_issues_values_are_refused_with_the_range(tmp_path: Path) -> None:
    assert refused(tmp_path, "docker.request_timeout", "1e308").endswith(
        "must be between 0.1 and 120 seconds (got 1e+308)")
    assert refused(tmp_path, "docker.reconnect_max_backoff", "inf").endswith(
        "must be between 0.1 and 600 seconds (got inf)")
    assert refused(tmp_path, "ui.sparkline_points", "100000000").endswith(
        "must be between 1 and 1000 (got 100000000)")
    assert refused(tmp_path, "scale.max_replicas", str(10**18)).endswith(
        f"must be between 1 and 10000 (got {10**18})")


def test_a_rule_threshold_must_be_a_finite_number(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[[alerts.rules]]\nname = "hot"\nmetric = "host.cpu_percent"\nop = ">"\n'
                    'threshold = inf\nfor = "30s"\nseverity = "warning"\n')
    with pytest.raises(ConfigError, match=r"alerts.rules\[0\].threshold': must be between"):
        load_settings(str(path))


def test_config_check_refuses_an_absurd_timeout_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[docker]\nrequest_timeout = 1e308\n")
    result = subprocess.run([sys.executable, "-m", "fintui", "config", "check", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr == (f"fintui: config error: {path}:2: key 'docker.request_timeout': "
                             "must be between 0.1 and 120 seconds (got 1e+308)\n")
