"""`fintui collect` outlives any outage: it keeps retrying and recording the host however
many sweeps in a row fail (2.0 ** 1024 used to end it after 1025, about 68 minutes)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from fintui.cli import build_parser
from fintui.collector import collect
from fintui.config import load_settings
from fintui.model import ClusterSnapshot
from fintui.store.history import HistoryStore
from fintui.wiring import build_parts

FAILURES = 1100  # past the 1025th, where the backoff overflowed


async def test_collect_keeps_going_through_more_than_a_thousand_failed_sweeps(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[history]\npath = "{tmp_path}/h.sqlite"\n')
    args = build_parser().parse_args(["--host", f"unix://{tmp_path}/none.sock", "--config",
                                      str(config), "collect"])
    parts = build_parts(args, load_settings(args.config))
    failed = 0
    sweep = parts.source.sweep

    async def counted() -> ClusterSnapshot:
        nonlocal failed
        failed += 1
        return await sweep()  # the real engine source, against a socket that is not there

    parts.source.sweep = counted  # type: ignore[method-assign]
    # Samples every millisecond: the outage's length in failures, not in minutes.
    task = asyncio.ensure_future(collect(parts, 0.001, once=False))
    while failed < FAILURES and not task.done():
        await asyncio.sleep(0.05)
    assert not task.done(), f"collect ended after {failed} failed sweeps: {task.exception()!r}"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    err = capsys.readouterr().err
    assert err.count("fintui collect: disconnected: no Docker daemon socket") == 1
    assert "Traceback" not in err and "OverflowError" not in err
    kinds = {s.kind for s in HistoryStore(tmp_path / "h.sqlite").series()}
    assert "host-memory" in kinds  # the host's history went on through the outage


async def test_collect_holds_samples_while_the_history_file_is_damaged(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A damaged history file is said once, the samples are held, and written once it is
    fixed; collect never ends on it."""
    history = tmp_path / "h.sqlite"
    history.write_bytes(b"this is not a database" * 100)
    config = tmp_path / "c.toml"
    config.write_text(f'[history]\npath = "{history}"\n[paths]\nstate_dir = "{tmp_path}"\n')
    # No daemon (the demo keeps its history elsewhere): the host's samples are still taken.
    args = build_parser().parse_args(["--host", f"unix://{tmp_path}/none.sock", "--config",
                                      str(config), "collect"])
    parts = build_parts(args, load_settings(args.config))
    task = asyncio.ensure_future(collect(parts, 0.01, once=False))
    for _ in range(200):
        if "not a database" in capsys.readouterr().err:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the damaged history file was never reported")
    await asyncio.sleep(0.3)  # more failed rounds: said once, not per round
    assert "not a database" not in capsys.readouterr().err
    assert not task.done()
    history.unlink()  # the operator moves the damaged file away
    err = ""
    for _ in range(200):
        err += capsys.readouterr().err
        if "history written again" in err:
            break
        await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert "history written again" in err and "Traceback" not in err
    held = int(err.split("history written again (")[1].split()[0])
    assert held > 1, "the rounds sampled while the file was damaged were kept"
    assert HistoryStore(history).series()
