"""Settings: defaults, overrides, and errors that name the file, the line and the key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fintui.config import ConfigError, load_settings, resolve_host


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_load_without_a_user_file() -> None:
    settings = load_settings(None)
    assert settings.ui.refresh_interval == 2.0
    assert settings.docker.stats_concurrency >= 64
    assert settings.source_file == ""


def test_user_file_overrides_a_subset(tmp_path: Path) -> None:
    path = write(tmp_path,
                 "[ui]\nrefresh_interval = 1\n\n[docker]\nhost = 'tcp://127.0.0.1:2375'\n")
    settings = load_settings(str(path))
    assert settings.ui.refresh_interval == 1.0 and isinstance(settings.ui.refresh_interval, float)
    assert settings.ui.theme == "fintui-dark"  # untouched default
    assert resolve_host(None, settings) == "tcp://127.0.0.1:2375"
    assert resolve_host("unix:///x.sock", settings) == "unix:///x.sock"


def test_xdg_config_home_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "fintui").mkdir()
    (tmp_path / "fintui" / "config.toml").write_text("[demo]\nseed = 99\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert load_settings(None).demo.seed == 99


@pytest.mark.parametrize(("text", "line", "key", "words"), [
    ("[ui]\nrefresh_intervl = 2\n", 2, "ui.refresh_intervl", "unknown setting"),
    ("[ui]\ntheme = 'x'\n[dokcer]\nhost = ''\n", 3, "dokcer", "unknown setting"),
    ("[ui]\n\nrefresh_interval = 'fast'\n", 3, "ui.refresh_interval",
     "expected number, got string"),
    ("[docker]\nstats_concurrency = 0\n", 2, "docker.stats_concurrency",
     "must be between 1 and 1024 (got 0)"),
    ("[ui]\ngroup_by_service = 1\n", 2, "ui.group_by_service", "expected boolean"),
    ("ui = 3\n", 1, "ui", "expected a table"),
    ("[docker]\nhost = 'ftp://x'\n", 2, "docker.host", "unix:// or tcp://"),
    ("ui.refresh_interval = -1\n", 1, "ui.refresh_interval",
     "must be between 0.1 and 3600 seconds (got -1)"),
    ("[forecast]\nheadroom = 0.5\n", 2, "forecast.headroom", "between 1 and 100 (got 0.5)"),
    ("[history]\n\nretention = '3 months'\n", 3, "history.retention", "duration like"),
])
def test_bad_values_name_file_line_and_key(tmp_path: Path, text: str, line: int, key: str,
                                           words: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(str(path))
    error = caught.value
    assert (error.path, error.line, error.key) == (str(path), line, key)
    assert words in str(error)
    assert str(error).startswith(f"{path}:{line}: key '{key}':")


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[ui]\nrefresh_interval = 2\ntheme = \"unterminated\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(str(path))
    assert caught.value.line == 3
    assert "TOML syntax error" in str(caught.value)


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(str(tmp_path / "nope.toml"))
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_settings(str(binary))


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fintui", *args], capture_output=True,
                          text=True, timeout=60)


def test_broken_config_exits_2_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    path = write(tmp_path, "[ui]\nrefresh_interval = 'soon'\n")
    for args in (["--config", str(path), "--demo", "status"], ["--config", str(path), "--demo"],
                 ["config", "check", str(path)]):
        result = run_cli(*args)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1
        assert f"{path}:2: key 'ui.refresh_interval'" in lines[0]


def test_config_check_accepts_a_good_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[ui]\nrefresh_interval = 5\n")
    result = run_cli("config", "check", str(path))
    assert result.returncode == 0 and f"{path}: OK" in result.stdout
    missing = run_cli("config", "check", str(tmp_path / "none.toml"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_shipped_default_config_documents_every_setting() -> None:
    text = (Path(__file__).resolve().parents[2] / "config" / "default.toml").read_text()
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if "=" in line and not line.lstrip().startswith("#"):
            assert lines[i - 1].lstrip().startswith("#"), f"setting without a comment: {line}"


def test_endpoints_are_read_in_order(tmp_path: Path) -> None:
    path = write(tmp_path, '[[endpoints]]\nname = "desk-a"\nurl = "unix:///var/run/docker.sock"'
                           '\n\n[[endpoints]]\nname = "desk-b"\nurl = "ssh://ops@desk-b"\n\n'
                           '[[endpoints]]\nname = "desk-c"\nurl = "tcp://10.0.0.3:2376"\n'
                           'tls_cert_path = "~/.docker/desk-c"\n')
    endpoints = load_settings(str(path)).endpoints
    assert [(e.name, e.url, e.tls_cert_path) for e in endpoints] == [
        ("desk-a", "unix:///var/run/docker.sock", ""), ("desk-b", "ssh://ops@desk-b", ""),
        ("desk-c", "tcp://10.0.0.3:2376", "~/.docker/desk-c")]
    assert load_settings(None).endpoints == ()


@pytest.mark.parametrize(("text", "key", "words"), [
    ('[[endpoints]]\nname = "a"\nurl = "unix:///a.sock"\n[[endpoints]]\nname = "a"\n'
     'url = "unix:///b.sock"\n', "endpoints[1].name", "endpoint name 'a' is used twice"),
    ('[[endpoints]]\nname = "a"\nurl = "ftp://x"\n', "endpoints[0].url", "ssh://"),
    ('[[endpoints]]\nname = "desk b [red]"\nurl = "unix:///a.sock"\n', "endpoints[0].name",
     "letters, digits"),
    ('[[endpoints]]\nname = "a"\n', "endpoints[0].url", "missing"),
    ('[[endpoints]]\nname = "a"\nurl = "unix:///a.sock"\nhost = "x"\n',
     "endpoints[0].host", "unknown setting"),
])
def test_bad_endpoints_are_named(tmp_path: Path, text: str, key: str, words: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(str(path))
    assert caught.value.key == key and words in str(caught.value)


def run_cli_with(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fintui", *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, **env},
                          stdin=subprocess.DEVNULL)


def test_config_check_refuses_a_theme_that_does_not_exist(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "fintui" / "themes").mkdir(parents=True)
    env = {"XDG_CONFIG_HOME": str(home)}
    path = write(tmp_path, '[ui]\nrefresh_interval = 2.0\ntheme = "tradingfloor"\n')
    result = run_cli_with(env, "config", "check", str(path))
    assert result.returncode == 2
    assert result.stderr == (f"fintui: config error: {path}:3: key 'ui.theme': unknown theme "
                             "'tradingfloor'; available: fintui-dark, fintui-light, mono, "
                             "trading-floor\n")
    # A theme file of the user's own is a theme like the shipped ones.
    (home / "fintui" / "themes" / "tradingfloor.toml").write_text(
        'name = "tradingfloor"\nprimary = "#ffaa00"\n')
    result = run_cli_with(env, "config", "check", str(path))
    assert result.returncode == 0 and f"{path}: OK" in result.stdout, result.stderr


def test_the_console_says_an_unknown_theme_in_plain_lines(tmp_path: Path) -> None:
    """With an unusable theme file beside it, each problem is a line of its own: no literal
    `\\x0a` where the lines were joined."""
    home = tmp_path / "home"
    (home / "fintui" / "themes").mkdir(parents=True)
    (home / "fintui" / "themes" / "broken.toml").write_text('name = "broken"\n')
    path = write(tmp_path, f'[ui]\ntheme = "nope"\n[paths]\nstate_dir = "{tmp_path}/s"\n')
    result = run_cli_with({"XDG_CONFIG_HOME": str(home)}, "--config", str(path), "--demo")
    assert result.returncode == 2
    assert "\\x0a" not in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "fintui: unknown theme 'nope'; available: fintui-dark, fintui-light, mono, "
        "trading-floor",
        f"fintui: unusable theme file: {home}/fintui/themes/broken.toml: 'primary' colour is "
        "required"]
