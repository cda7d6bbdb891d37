"""The failure scene, captured before an instance is cut off: inspect, logs, filesystem diff,
a stats sample and the process list, with a manifest of SHA-256 hashes."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fintui.sources.base import ActionFailed, ClusterActions


@dataclass(frozen=True, slots=True)
class Bundle:
    path: Path
    manifest_sha256: str
    files: dict[str, str]  # name -> sha256
    missing: dict[str, str]  # name -> why it could not be captured


def bundle_dir(root: Path, name: str, now: datetime) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:80] or "container"
    return root / f"{safe}-{now.strftime('%Y%m%dT%H%M%SZ')}"


async def capture(actions: ClusterActions, container_id: str, name: str, root: Path,
                  now: datetime, log_lines: int) -> Bundle:
    path = bundle_dir(root, name, now)
    suffix = 1
    while path.exists():  # two isolations in one second: never overwrite evidence
        suffix += 1
        path = path.with_name(f"{bundle_dir(root, name, now).name}-{suffix}")
    path.mkdir(parents=True)
    files: dict[str, str] = {}
    missing: dict[str, str] = {}

    def write(filename: str, content: str) -> None:
        data = content.encode("utf-8")
        (path / filename).write_bytes(data)
        files[filename] = hashlib.sha256(data).hexdigest()

    def as_json(value: Any) -> str:
        return json.dumps(value, indent=2, sort_keys=True) + "\n"

    write("inspect.json", as_json(await actions.inspect(container_id)))
    sources = (("logs.txt", lambda: actions.logs_text(container_id, log_lines), False),
               ("diff.json", lambda: actions.changes(container_id), True),
               ("stats.json", lambda: actions.stats_once(container_id), True),
               ("top.json", lambda: actions.top(container_id), True))
    for filename, fetch, is_json in sources:
        try:
            value = await fetch()
        except ActionFailed as exc:  # e.g. top on a stopped container: say so, keep going
            missing[filename] = str(exc)
            continue
        write(filename, as_json(value) if is_json else str(value))
    manifest = {"container": container_id, "name": name, "captured_at": now.isoformat(),
                "files": files, "missing": missing}
    text = as_json(manifest)
    (path / "manifest.json").write_text(text, encoding="utf-8")
    return Bundle(path, hashlib.sha256(text.encode()).hexdigest(), files, missing)
