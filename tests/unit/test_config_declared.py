"""One declaration per setting: a field declared once gives its default, its validation (one
line naming file, line and key), its place in the shipped default.toml and its README row; and
the shipped files are what the declarations generate."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from fintui.config import ConfigError, Settings, default_config_text, load_settings
from fintui.config_doc import BEGIN, END, default_toml, readme_block, settings_table
from fintui.config_load import Reader, build, defaults_of, parse_toml
from fintui.config_schema import declared, duration, number, section

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class PagerSettings:
    retries: int = number(3, "How often a page is retried.", 1, 10)
    quiet: float = duration("1h", "Quiet time after a page.", "1m", "1d")


@dataclass(frozen=True, slots=True)
class Tree:
    pager: PagerSettings = section(PagerSettings)  # noqa: RUF009 (a field specifier)


def read(tmp_path: Path, text: str) -> PagerSettings:
    path = tmp_path / "c.toml"
    path.write_text(text)
    merged = Reader(str(path), text).merge(Tree, parse_toml(text, str(path)))
    return build(Tree, merged, tmp_path).pager


def test_a_setting_declared_once_has_its_default_check_toml_and_readme_row(
        tmp_path: Path) -> None:
    # The default, typed: a duration is in seconds.
    assert defaults_of(Tree) == {"pager": {"retries": 3, "quiet": "1h"}}
    assert read(tmp_path, "") == PagerSettings(retries=3, quiet=3600.0)
    assert read(tmp_path, "[pager]\nquiet = '2h'\n").quiet == 7200.0
    # Validation: one line, file and line and key, with the range.
    with pytest.raises(ConfigError) as caught:
        read(tmp_path, "[pager]\n\nretries = 11\n")
    assert str(caught.value) == (f"{tmp_path / 'c.toml'}:3: key 'pager.retries': "
                                 "must be between 1 and 10 (got 11)")
    with pytest.raises(ConfigError, match=r"c.toml:2: key 'pager.retires': unknown setting "
                                          r"\(did you mean 'pager.retries'\?\)"):
        read(tmp_path, "[pager]\nretires = 2\n")
    # The shipped file and the README table come from the same declaration.
    assert "[pager]\n# How often a page is retried.\nretries = 3\n" in default_toml(Tree)
    assert tomllib.loads(default_toml(Tree)) == defaults_of(Tree)
    assert "| `pager.retries` | `3` | 1 to 10 | How often a page is retried. |" in \
        settings_table(Tree)
    assert "| `pager.quiet` | `\"1h\"` | 1m to 1d | Quiet time after a page. |" in \
        settings_table(Tree)


def test_the_shipped_default_toml_is_the_generated_one() -> None:
    shipped = (REPO / "config" / "default.toml").read_text(encoding="utf-8")
    assert shipped == default_config_text(), "run: python -m fintui.config_doc"
    assert tomllib.loads(shipped) == defaults_of(Settings)


def test_the_readme_settings_table_is_the_generated_one() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert BEGIN in readme and END in readme
    shown = BEGIN + readme.split(BEGIN, 1)[1].split(END, 1)[0] + END
    assert shown == readme_block(Settings), "run: python -m fintui.config_doc"


def test_every_setting_has_help_and_a_default_its_own_check_accepts() -> None:
    def walk(cls: type, prefix: str) -> None:
        for _, key, meta in declared(cls):
            if meta.kind != "section":  # a [table] of settings needs no words of its own
                assert meta.help.strip(), f"{prefix}{key} has no help"
                assert "\n" not in meta.help, f"{prefix}{key}: help is one line"
            if meta.kind == "section":
                assert meta.item is not None
                walk(meta.item, f"{prefix}{key}.")
            elif meta.check is not None and meta.kind not in ("table", "array"):
                assert meta.check(meta.written) is None, f"{prefix}{key}'s default"
    walk(Settings, "")


def test_the_tree_mirrors_the_file(tmp_path: Path) -> None:
    """`[scale] max_replicas` is settings.scale.max_replicas: no renaming on the way."""
    path = tmp_path / "c.toml"
    path.write_text('[scale]\nmax_replicas = 7\n[isolate]\nlog_lines = 9\n[demo]\nseed = 3\n'
                    '[serve]\nallow_actions = true\n[audit]\npath = "~/a.jsonl"\n'
                    f'[paths]\nstate_dir = "{tmp_path}/s"\n[agent]\nsocket = "/run/x.sock"\n'
                    '[forecast]\nhorizon = "10d"\n')
    settings = load_settings(str(path))
    assert (settings.scale.max_replicas, settings.isolate.log_lines, settings.demo.seed,
            settings.serve.allow_actions) == (7, 9, 3, True)
    assert settings.audit.path == Path("~/a.jsonl").expanduser()
    assert settings.paths.state_dir == tmp_path / "s"
    assert settings.agent.socket == Path("/run/x.sock")
    assert settings.forecast.horizon == 10 * 86400 and settings.forecast.horizon_days == 10
    # Paths left empty derive their place from the state folder; as written, they are "".
    assert settings.history.path == tmp_path / "s" / "history.sqlite"
    assert settings.alerts.state_file == tmp_path / "s" / "alerts.toml"
    assert settings.as_written("history.path") == ""
    assert settings.as_written("paths.state_dir") == f"{tmp_path}/s"
    assert settings.source_file == str(path)
    for section_field in dataclasses.fields(Settings):
        if section_field.metadata.get("setting") is not None:
            assert hasattr(settings, section_field.name)


def test_an_unknown_table_suggests_the_near_one(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[dokcer]\nhost = ''\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(str(path))
    assert str(caught.value) == (f"{path}:1: key 'dokcer': unknown setting "
                                 "(did you mean 'docker'?)")
