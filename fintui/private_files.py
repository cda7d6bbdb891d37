"""Owner-only directories and files for what holds secrets (forensics bundles keep `docker
inspect`, environment included), whatever the umask of whoever runs fintui."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
SHARED_DIR = 0o750  # with a group: its members may enter, not write


def private_dir(path: Path, tighten: bool = False, group: int | None = None) -> Path:
    """Make `path` a directory: missing ones (parents included) are created 0700 (0750 and
    given to `group`, a gid, for a log an auditors' group reads). With
    `tighten`, for fintui's own folders (the state folder, forensics), an existing one of ours
    that group or others can reach is narrowed to owner-only too; never for the folder of a
    configured file, which may be someone's home or a shared place."""
    _create(path, PRIVATE_DIR if group is None else SHARED_DIR, group)
    info = os.stat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path))
    if tighten and info.st_uid == os.getuid() and info.st_mode & 0o077:
        os.chmod(path, stat.S_IMODE(info.st_mode) & ~0o077)
    return path


def _create(path: Path, mode: int, group: int | None) -> None:
    if path.parent != path and not path.parent.exists():
        _create(path.parent, mode, group)
    try:
        path.mkdir(mode=mode)
    except FileExistsError:
        return  # there already, or made meanwhile by another process
    if group is not None:
        os.chown(path, -1, group)
    os.chmod(path, mode)  # mkdir's mode passes through the umask; this does not


def write_private(path: Path, data: bytes) -> None:
    """Write a new file (never an existing one) readable by this account only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as file:
        os.fchmod(fd, PRIVATE_FILE)  # as for mkdir: the umask may have taken bits away
        file.write(data)


def save_lines(path: Path, lines: list[str]) -> Path:
    """Write a new owner-only file at `path` (`-2`, `-3`... added if one is there already)."""
    data = "".join(f"{line}\n" for line in lines).encode()
    for n in range(1, 100):
        target = path if n == 1 else path.with_name(f"{path.stem}-{n}{path.suffix}")
        try:
            write_private(target, data)
        except FileExistsError:
            continue
        return target
    raise FileExistsError(f"{path} and 98 more names like it exist already")
