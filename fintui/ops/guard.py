"""Who may do what, when: roles and change-freeze windows. Pure (the time comes in)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from fintui.config import DAYS, FreezeWindow, GuardSettings


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str = ""  # why refused, or which freeze was overridden
    override: str = ""  # the operator's reason for overriding a freeze


def role_of(actor: str, settings: GuardSettings, read_only: bool) -> str:
    if read_only:
        return "viewer"
    return settings.roles.get(actor, settings.default_role)


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
