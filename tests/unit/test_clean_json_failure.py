"""`fintui clean --yes --json` cut short: stdout still carries the JSON document of what it did,
with an `error` field, and the exit status is 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fintui.cli import main
from fintui.sources.base import SourceUnavailable
from fintui.sources.demo_actions import DemoActions


def test_clean_json_cut_short_still_prints_the_document(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "fintui.toml"
    config.write_text(f'[paths]\nstate_dir = "{tmp_path / "state"}"\n', encoding="utf-8")
    real_remove = DemoActions.remove_storage
    calls = []

    async def dies_at_the_second(self: DemoActions, kind: str, object_id: str) -> None:
        calls.append(object_id)
        if len(calls) == 2:
            raise SourceUnavailable("connection refused by /run/docker.sock")
        await real_remove(self, kind, object_id)

    monkeypatch.setattr(DemoActions, "remove_storage", dies_at_the_second)
    code = main(["--demo", "--config", str(config), "clean", "--yes", "--json"])
    out, err = capsys.readouterr()
    assert code == 1
    document = json.loads(out)
    assert len(document["removed"]) == 1 and document["removed"][0]["id"] == calls[0]
    assert document["skipped"] == [] and document["failed"] == []
    assert document["freed_total"] == document["removed"][0]["bytes"] == sum(
        document["freed_bytes"].values())
    assert document["error"].startswith("failed: connection refused by /run/docker.sock")
    assert "failed: connection refused" in err
