"""Who may do what, when: roles and change-freeze windows. Pure (the time comes in)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from fintui.config import DAYS, FreezeWindow, GuardSettings
from fintui.ops.identity import Identity


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str = ""  # why refused, or which freeze was overridden
    override: str = ""  # the operator's reason for overriding a freeze


def role_of(identity: Identity, settings: GuardSettings, read_only: bool) -> str:
    return role_and_basis(identity, settings, read_only)[0]


def role_and_basis(identity: Identity, settings: GuardSettings, read_only: bool
                   ) -> tuple[str, str]:
    """The role of an OS account and what decided it (for the refusal message): its own
    `roles` entry, else its groups' (`@group` keys; viewer wins when they disagree, so marking
    a group read-only cannot be undone by another group), else the default. `--read-only`
    only ever lowers it."""
    if read_only:
        return "viewer", "--read-only"
    own = settings.roles.get(identity.user)
    if own is not None:
        return own, f"guard.roles.{identity.user}"
    listed = sorted(g for g in identity.groups if f"@{g}" in settings.roles)
    if listed:
        viewers = [g for g in listed if settings.roles[f"@{g}"] == "viewer"]
        chosen = viewers[0] if viewers else listed[0]
        return settings.roles[f"@{chosen}"], f'guard.roles."@{chosen}"'
    return settings.default_role, "guard.default_role"


def active_freeze(windows: tuple[FreezeWindow, ...], action: str, now: datetime
                  ) -> FreezeWindow | None:
    """The first window that covers `now` (aware) and lists `action`."""
    for window in windows:
        if action not in window.actions:
            continue
        local = now.astimezone(ZoneInfo(window.timezone))
        if DAYS[local.weekday()] not in window.days:
            continue
        start = time.fromisoformat(window.start)
        end = time.fromisoformat(window.end)
        current = local.time().replace(tzinfo=None)
        inside = start <= current < end if start <= end else (current >= start or current < end)
        if inside:
            return window
    return None


def decide(action: str, role: str, windows: tuple[FreezeWindow, ...], now: datetime,
           override_reason: str = "") -> Decision:
    if role != "operator":
        return Decision(False, f"role {role!r} may not {action}: viewers are read-only")
    window = active_freeze(windows, action, now)
    if window is None:
        return Decision(True)
    span = f"{window.start}-{window.end} {window.timezone}"
    if override_reason.strip():
        return Decision(True, f"freeze {window.name!r} ({span}) overridden",
                        override_reason.strip())
    return Decision(False, f"change freeze {window.name!r} ({span}) forbids {action}; "
                           f"use --override-freeze \"reason\" to act anyway")
