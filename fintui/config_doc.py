"""Documents generated from the declared settings: the shipped, commented config/default.toml
and the README's settings table. After a declaration changes, run

    python -m fintui.config_doc

to rewrite both (tests fail while either is out of date)."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

from fintui.config_schema import Meta, declared
from fintui.core.metrics import METRICS

HEADER = """\
# fintui default settings. Every setting lives here with its default; a user file
# ($XDG_CONFIG_HOME/fintui/config.toml or --config PATH) overrides any subset of it.
# Unknown keys and wrong types are refused with the file, line and key named, and so is a
# number or duration outside its range (`fintui config check` says the range).
# Generated from fintui/config_tree.py by `python -m fintui.config_doc`: edit it there.
"""
BEGIN, END = "<!-- settings:begin -->", "<!-- settings:end -->"
REPO = Path(__file__).resolve().parent.parent


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML for {value!r}")


def _comment(meta: Meta) -> list[str]:
    lines = textwrap.wrap(meta.help, 96)
    if meta.notes:
        lines += meta.notes.splitlines()
    return [f"# {line}".rstrip() for line in lines]


def default_toml(root: type) -> str:
    """The commented TOML file of a declared tree's defaults: settings outside any table first
    (TOML wants them before the first header), then one [table] per section."""
    out = [HEADER.rstrip("\n")]
    tables: list[str] = []
    for _, key, meta in declared(root):
        if meta.kind == "section":
            assert meta.item is not None
            tables += ["", f"[{key}]", *_comment(meta)]
            for _, sub, sub_meta in declared(meta.item):
                tables += [*_comment(sub_meta), f"{sub} = {toml_value(sub_meta.written)}"]
        elif meta.kind == "table" and not meta.written:
            # A table of the user's own names at the top: a header with only its comment.
            tables += ["", f"[{key}]", *_comment(meta)]
        else:
            out += ["", *_comment(meta), f"{key} = {toml_value(meta.written)}"]
    return "\n".join([*out, *tables]) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def settings_table(root: type) -> str:
    """The README's table: every setting with its default, what it accepts and its help."""
    rows = ["| setting | default | accepts | meaning |", "| --- | --- | --- | --- |"]

    def walk(cls: type, prefix: str) -> None:
        for _, key, meta in declared(cls):
            if meta.kind == "section":
                assert meta.item is not None
                walk(meta.item, f"{prefix}{key}.")
                continue
            default = toml_value(meta.written)
            rows.append(f"| `{prefix}{key}` | `{_cell(default)}` | {_cell(meta.allowed)} | "
                        f"{_cell(meta.help)} |")
            if meta.kind == "array":
                assert meta.item is not None
                for _, field, item in declared(meta.item):
                    given = "required" if item.required else f"`{toml_value(item.written)}`"
                    rows.append(f"| `{prefix}{key}[].{field}` | {given} | "
                                f"{_cell(item.allowed)} | {_cell(item.help)} |")
    walk(root, "")
    return "\n".join(rows)


def metrics_table() -> str:
    """Every metric an alert rule may name, with its unit."""
    rows = ["| metric | unit | meaning |", "| --- | --- | --- |"]
    for metric in METRICS:
        rows.append(f"| `{metric.name}` | {_cell(metric.unit)} | {_cell(metric.help)} |")
    return "\n".join(rows)


def readme_block(root: type) -> str:
    return "\n\n".join([BEGIN, "Every setting (generated from `fintui/config_tree.py`):",
                        settings_table(root),
                        "Metrics an `[[alerts.rules]]` item may name "
                        "(from `fintui/core/metrics.py`):", metrics_table(), END])


def with_readme_block(readme: str, block: str) -> str:
    """README text with the settings block replaced (appended when it has none yet)."""
    if BEGIN in readme and END in readme:
        head, rest = readme.split(BEGIN, 1)
        return head + block + rest.split(END, 1)[1]
    return readme.rstrip("\n") + "\n\n" + block + "\n"


def main() -> int:
    from fintui.config_tree import Settings

    (REPO / "config" / "default.toml").write_text(default_toml(Settings), encoding="utf-8")
    readme = REPO / "README.md"
    readme.write_text(with_readme_block(readme.read_text(encoding="utf-8"),
                                        readme_block(Settings)), encoding="utf-8")
    print("wrote config/default.toml and README.md's settings table", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
