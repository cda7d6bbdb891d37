"""`fintui forecast` and `fintui collect` as a runbook uses them: CSV in, JSON out, clear
errors with exit 2, and history recorded headless."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fintui.core.forecast_report import parse_history_csv, parse_size
from fintui.store.history import HistoryStore


def fintui(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
    env.update(XDG_STATE_HOME=str(home / "state"), XDG_CONFIG_HOME=str(home / "config"))
    return subprocess.run([sys.executable, "-m", "fintui", *args], capture_output=True,
                          text=True, timeout=60, env=env)


def write_series(path: Path, iso: bool) -> None:
    # 100 GB + 2 GB a day for 14 days: 128 GB now; 190 GB capacity -> 31 days.
    rows = ["timestamp,used_bytes"]
    for day in range(15):
        stamp = f"2026-01-{day + 1:02d}T00:00:00Z" if iso else str(1767225600 + day * 86400)
        rows.append(f"{stamp},{100_000_000_000 + day * 2_000_000_000}")
    path.write_text("\n".join(rows) + "\n")


@pytest.mark.parametrize("iso", [True, False], ids=["iso8601", "epoch"])
def test_forecast_a_csv_series_as_json(tmp_path: Path, iso: bool) -> None:
    series = tmp_path / "usage.csv"
    write_series(series, iso)
    result = fintui("forecast", "--history", str(series), "--capacity", "190000000000",
                    "--json", home=tmp_path)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["days_to_full"] == 31.0
    assert doc["days_to_full_low"] == 31.0 and doc["days_to_full_high"] == 31.0
    assert doc["growth_bytes_per_day"] == 2_000_000_000
    assert doc["model"] == "linear"
    assert doc["projections"] == [{"days": 7, "bytes": 142_000_000_000},
                                  {"days": 30, "bytes": 188_000_000_000},
                                  {"days": 90, "bytes": 308_000_000_000}]
    assert doc["severity"] == "warning"  # 62 GB free < 120% of the 60 GB 30 days need
    assert doc["recommended_capacity_bytes"] == 2_000_000_000 * 30 * 2.5


def test_forecast_text_reads_like_a_sentence(tmp_path: Path) -> None:
    series = tmp_path / "usage.csv"
    write_series(series, True)
    result = fintui("forecast", "--history", str(series), "--capacity", "1TiB", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "full in" in result.stdout and "model linear" in result.stdout
    assert "+30d:" in result.stdout


@pytest.mark.parametrize("args,message", [
    (["--capacity", "1T"], "no such file"),
    ([], "needs --capacity"),
    (["--capacity", "lots"], "--capacity: 'lots' is not a size"),
])
def test_forecast_usage_errors_exit_2_with_one_line(tmp_path: Path, args: list[str],
                                                     message: str) -> None:
    history = str(tmp_path / "missing.csv") if "no such file" in message else __file__
    result = fintui("forecast", "--history", history, *args, home=tmp_path)
    assert result.returncode == 2
    assert message.lower() in result.stderr.lower()
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_a_bad_row_is_named_by_its_line(tmp_path: Path) -> None:
    series = tmp_path / "bad.csv"
    series.write_text("timestamp,used_bytes\n2026-01-01T00:00:00Z,1\nyesterday,2\n")
    result = fintui("forecast", "--history", str(series), "--capacity", "10", home=tmp_path)
    assert result.returncode == 2
    assert "line 3: timestamp 'yesterday'" in result.stderr


def test_too_short_a_series_says_so(tmp_path: Path) -> None:
    series = tmp_path / "short.csv"
    series.write_text("1767225600,10\n1767229200,20\n")
    result = fintui("forecast", "--history", str(series), "--capacity", "100", "--json",
                    home=tmp_path)
    doc = json.loads(result.stdout)
    assert doc["status"] == "too-short" and doc["days_to_full"] is None
    assert "not enough history" in doc["message"]


def test_demo_forecasts_from_its_weeks_of_history(tmp_path: Path) -> None:
    result = fintui("--demo", "forecast", "--json", home=tmp_path)
    assert result.returncode == 0, result.stderr
    docs = json.loads(result.stdout)
    first = docs[0]
    assert first["severity"] == "critical" and first["expand"] is True
    assert first["days_to_full"] < 7
    days = [d["days_to_full"] for d in docs if d["days_to_full"] is not None]
    assert days == sorted(days)  # most urgent first
    assert {d["target"] for d in docs} >= {"fs /var/lib/docker", "fs /mnt/tickstore",
                                           "volume ledger-data", "images", "build cache",
                                           "gpu mem gpu0", "memory demo-trading-01"}
    # The demo's invented history never lands in the real state folder.
    assert not (tmp_path / "state" / "fintui" / "history.sqlite").exists()


def test_collect_once_records_a_sample_of_every_series(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[history]\npath = "{tmp_path}/h.sqlite"\n')
    result = fintui("--demo", "--config", str(config), "collect", "--once", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "recorded" in result.stdout
    # --demo keeps its history in its own folder; a real endpoint writes the configured one.
    assert not (tmp_path / "h.sqlite").exists()


def test_collect_against_no_daemon_records_the_host_and_exits_1_once(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[history]\npath = "{tmp_path}/h.sqlite"\n')
    result = fintui("--host", f"unix://{tmp_path}/none.sock", "--config", str(config),
                    "collect", "--once", home=tmp_path)
    assert result.returncode == 1
    assert "disconnected: no Docker daemon socket" in result.stderr
    store = HistoryStore(tmp_path / "h.sqlite")
    kinds = {s.kind for s in store.series()}
    assert "host-memory" in kinds and "filesystem" in kinds


def test_csv_and_size_parsing() -> None:
    assert parse_history_csv("# comment\n0,1\n\n3600,2.5\n") == [(0.0, 1.0), (3600.0, 2.5)]
    assert parse_history_csv("2026-01-01T00:00:00+00:00,5")[0] == (1767225600.0, 5.0)
    with pytest.raises(ValueError, match="line 2: used_bytes 'x'"):
        parse_history_csv("0,1\n60,x\n")
    with pytest.raises(ValueError, match="no rows"):
        parse_history_csv("timestamp,used_bytes\n")
    assert parse_size("500GiB") == 500 * 1024**3 and parse_size("2T") == 2 * 1024**4
    assert parse_size("1024") == 1024
    with pytest.raises(ValueError):
        parse_size("0")
