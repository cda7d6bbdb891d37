"""Policies run by a watch over the demo cluster (its Swarm service `pricing`, three replicas
at the start), with the CPU of the replicas set by the test and the clock moved by it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from fintui.cli_parser import build_parser
from fintui.clock import FixedClock
from fintui.config import Settings, load_settings
from fintui.model import ClusterSnapshot
from fintui.store.policy_state import PolicyStateStore
from fintui.watch.watch import Watch
from fintui.wiring import Parts, build_parts
from tests.tui.helpers import FAST_CONFIG


def demo_parts(tmp: Path, policies: str, *flags: str,
               edit: Callable[[Settings], Settings] | None = None) -> Parts:
    """Demo parts whose state lives in `tmp`, with `policies` (TOML) added to the config
    (and `edit` applied to the settings as loaded: a value the config check refuses)."""
    tmp.mkdir(exist_ok=True)
    config = tmp / "fintui.toml"
    config.write_text(FAST_CONFIG.read_text().replace("/tmp/fintui-test-state", str(tmp / "s"))
                      + "\n" + policies, encoding="utf-8")
    args = build_parser().parse_args(["--demo", "--as", "ops", "--config", str(config),
                                      *flags])
    settings = load_settings(args.config)
    return build_parts(args, edit(settings) if edit else settings)


def seen_since(parts: Parts, at: datetime) -> None:
    """Record every configured policy as first seen by a runner at `at` (the state database
    of a runner that has run them since then)."""
    names = [p.name for p in (*parts.settings.policies.schedule,
                              *parts.settings.policies.autoscale)]
    PolicyStateStore(parts.settings.paths.state_dir / "state.sqlite").load(
        names, at.isoformat())


def with_cpu(snap: ClusterSnapshot, cpu: float) -> ClusterSnapshot:
    """The snapshot with every pricing replica at `cpu` percent."""
    return replace(snap, containers=tuple(
        replace(c, stats=replace(c.stats, cpu_percent=cpu))
        if c.service == "pricing" and c.stats is not None else c for c in snap.containers))


async def settle(watch: Watch) -> None:
    """Until the policies' background work (acts, notes, the state's load) has finished."""
    for _ in range(500):
        tasks = [t for t in asyncio.all_tasks() if t.get_name().startswith("watch-policy")]
        if not tasks:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the policies' work did not finish within 5 s")


async def sweep(watch: Watch, cpu: float | None = None) -> ClusterSnapshot:
    """One demo sweep (the clock moves half a second), seen by the watch, then settled."""
    snap = await watch.parts.source.sweep()
    if cpu is not None:
        snap = with_cpu(snap, cpu)
    watch.arrived(snap)
    await settle(watch)
    return snap


def desired(snap: ClusterSnapshot) -> int | None:
    return next(s.desired for s in snap.services if s.name == "pricing")


def audit(parts: Parts) -> list[dict[str, Any]]:
    path = parts.settings.audit.path
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def row(watch: Watch, name: str) -> Any:
    return next(r for r in watch.policy_rows() if r.name == name)


def advance(parts: Parts, seconds: float) -> None:
    """Move the demo's clock (the watch's) on."""
    assert isinstance(parts.clock, FixedClock)
    parts.clock.advance(seconds)
