"""The failure scene, captured before an instance is cut off: inspect, logs, filesystem diff,
a stats sample and the process list, with a manifest of SHA-256 hashes."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from fintui.core.log_lines import TRUNCATED_PREFIX
from fintui.private_files import PRIVATE_DIR, private_dir, write_private
from fintui.sources.base import ActionFailed
from fintui.sources.capabilities import Evidence


@dataclass(frozen=True, slots=True)
class Bundle:
    path: Path
    manifest_sha256: str
    files: dict[str, str]  # name -> sha256
    missing: dict[str, str]  # name -> why it could not be captured
    truncated: dict[str, str] = field(default_factory=dict)  # name -> what was left out


def bundle_dir(root: Path, name: str, now: datetime) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:80] or "container"
    return root / f"{safe}-{now.strftime('%Y%m%dT%H%M%SZ')}"


def new_bundle_dir(root: Path, name: str, now: datetime) -> Path:
    """A new owner-only folder under an owner-only root: `inspect` holds env secrets."""
    first = bundle_dir(private_dir(root, tighten=True), name, now)
    path, suffix = first, 1
    while True:
        try:
            path.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:  # two isolations in one second: never overwrite evidence
            suffix += 1
            path = first.with_name(f"{first.name}-{suffix}")
            continue
        os.chmod(path, PRIVATE_DIR)  # whatever the umask
        return path


async def capture(actions: Evidence, container_id: str, name: str, root: Path,
                  now: datetime, log_lines: int) -> Bundle:
    """Capture into a new bundle. One that cannot be finished (a full disk, a daemon gone) is
    deleted: it is no evidence without its manifest, and on a full disk it holds the space
    the audit record of the failure needs."""
    path = new_bundle_dir(root, name, now)
    try:
        return await _capture(actions, container_id, name, path, now, log_lines)
    except OSError as exc:
        shutil.rmtree(path, ignore_errors=True)
        where = exc.filename or path
        raise OSError(exc.errno, f"could not write the forensics bundle {where}: "
                                 f"{exc.strerror or exc} (the partial bundle was deleted)"
                      ) from None
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise


async def _capture(actions: Evidence, container_id: str, name: str, path: Path,
                   now: datetime, log_lines: int) -> Bundle:
    files: dict[str, str] = {}
    missing: dict[str, str] = {}
    truncated: dict[str, str] = {}

    def write(filename: str, content: str, keep: bool = True) -> None:
        data = content.encode("utf-8")
        try:
            write_private(path / filename, data)
        except OSError as exc:  # a full disk names no file: say which one failed
            exc.filename = exc.filename or str(path / filename)
            raise
        if keep:
            files[filename] = hashlib.sha256(data).hexdigest()

    def as_json(value: Any) -> str:
        return json.dumps(value, indent=2, sort_keys=True) + "\n"

    write("inspect.json", as_json(await actions.inspect_document(container_id)))
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
        if filename == "logs.txt" and str(value).startswith(TRUNCATED_PREFIX):
            # The capture keeps only the newest part of a huge log: the manifest says so.
            truncated[filename] = str(value).partition("\n")[0].removeprefix(TRUNCATED_PREFIX)
    manifest = {"container": container_id, "name": name, "captured_at": now.isoformat(),
                "files": files, "missing": missing, "truncated": truncated}
    text = as_json(manifest)
    write("manifest.json", text, keep=False)
    return Bundle(path, hashlib.sha256(text.encode()).hexdigest(), files, missing, truncated)
