"""Who is acting, from the operating system: the real uid's account and its groups.

Never from a name the user chooses (`--as`, `$USER`, `$LOGNAME`): the role decides what may be
done, so it comes from what the kernel says about the process."""

from __future__ import annotations

import grp
import os
import pwd
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Identity:
    uid: int
    user: str  # the password database's name for uid, or "uid:N" when it has none
    groups: tuple[str, ...] = ()  # names of the account's groups, primary first


def identity_of(uid: int) -> Identity:
    """The account behind `uid`, with its groups (supplementary ones from the group database)."""
    try:
        entry = pwd.getpwuid(uid)
    except KeyError:  # a uid with no account (a container's user, say): no name, no groups
        return Identity(uid, f"uid:{uid}")
    try:
        gids = os.getgrouplist(entry.pw_name, entry.pw_gid)
    except OSError:
        gids = [entry.pw_gid]
    names: list[str] = []
    for gid in gids:
        try:
            name = grp.getgrgid(gid).gr_name
        except KeyError:
            continue
        if name not in names:
            names.append(name)
    return Identity(uid, entry.pw_name, tuple(names))


def current_identity() -> Identity:
    """This process's real user (not the effective one: a setuid wrapper acts for its caller)."""
    return identity_of(os.getuid())
