"""Releases that go on after their progress screen is closed: their lines so far, how they
ended, and the short mark their service's rows carry meanwhile. Pure: the console feeds it.

A rollout takes minutes; an operator who closes its screen must still see, on the rows, that
it runs and how far it got, and be able to read every line again."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# `2/4`, as a rollout's progress lines count replicas or tasks done.
_COUNT = re.compile(r"\b(\d+)/(\d+)\b")
# Arrows the Linux console's font has too (CP437): one cell each, no emoji.
ROLLOUT_MARK = "↑"
ROLLBACK_MARK = "↓"
_DETAIL = "; changed before it stopped"  # how a failed act lists what it had done


@dataclass
class RunningAct:
    """One rollout or rollback of one service (its rows' group key)."""

    key: str  # the service's group key: `project/service @endpoint`, or the Swarm service
    action: str  # rollout, rollback
    service: str  # what the operations layer was asked to act on
    image: str = ""  # where a rollout goes ("" for a rollback: the previous image)
    lines: list[str] = field(default_factory=list)
    finished: bool = False
    ok: bool = False
    outcome: str = ""  # "done", "refused: …", "failed: …"
    # What runs it, opaque here: the console keeps its operations and plan in it.
    handle: object = field(default=None, compare=False, repr=False)

    def add(self, line: str) -> None:
        self.lines.append(line)

    def end(self, ok: bool, outcome: str) -> None:
        self.finished, self.ok, self.outcome = True, ok, outcome

    @property
    def count(self) -> str:
        """The latest `done/total` a line gave, or ""."""
        for line in reversed(self.lines):
            found = _COUNT.search(line)
            if found:
                return found.group(0)
        return ""

    @property
    def mark(self) -> str:
        """What the State cell of the service's rows says while it runs, short enough for
        its width at 80 columns: `↑ 2/4 →2.4.2`, `↑ to 2.4.2`, `↓ rollback 1/3`."""
        if self.action == "rollback":
            return " ".join(filter(None, (ROLLBACK_MARK, "rollback", self.count)))
        tag = image_tag(self.image)
        return f"{ROLLOUT_MARK} {self.count} →{tag}" if self.count else \
            f"{ROLLOUT_MARK} to {tag}"

    @property
    def ending(self) -> str:
        """The notification when it ends: `rollout of pricing done`, `rolled back: why`."""
        if self.ok:
            return f"{self.action} of {self.service} done"
        if self.action == "rollout" and "rolled back" in self.outcome:
            # Why, in its first words: the screen and the audit record hold the rest.
            why = self.outcome.removeprefix("failed: ").removeprefix("rolled back: ")
            return f"{self.service} rolled back: {why.split(_DETAIL, 1)[0]}"
        return f"{self.action} of {self.service} {self.outcome}"


def image_tag(image: str) -> str:
    """`quant/pricing-engine:2.4.2` → `2.4.2`; an untagged or digest-pinned name as it is,
    shortened to its last part."""
    name = image.split("@")[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else last


class RunningActs:
    """Every release this console started, by its service's group key; the newest per key."""

    def __init__(self) -> None:
        self._acts: dict[str, RunningAct] = {}

    def start(self, act: RunningAct) -> RunningAct:
        self._acts[act.key] = act
        return act

    def get(self, key: str) -> RunningAct | None:
        return self._acts.get(key)

    def running(self, key: str) -> RunningAct | None:
        act = self._acts.get(key)
        return act if act is not None and not act.finished else None

    def all_running(self) -> list[RunningAct]:
        """The releases not yet ended, oldest first."""
        return [act for act in self._acts.values() if not act.finished]

    def said(self) -> str:
        """The releases still running, for the line under the table: `pricing ↑ 2/4 →2.4.2`."""
        return "; ".join(f"{act.service} {act.mark}" for act in self.all_running())

    def marks(self) -> dict[str, str]:
        """Group key → the mark its rows show, for the releases still running."""
        return {key: act.mark for key, act in self._acts.items() if not act.finished}


def cut_short(action: str, service: str, kind: str, canary: bool = False) -> str:
    """What stopping a release half way (^C, quitting the console) leaves, and how to check
    and undo it: one sentence, for the verb's stderr and the console's question."""
    if kind == "swarm":
        left = (f"Swarm goes on with the {action} of {service} on its own"
                + (", with nobody watching its canary" if canary else ""))
    elif action == "rollout":
        left = (f"{service} may be left with some replicas on the new image and the rest on "
                "the old (the batch under way is removed where it can be)")
    else:
        left = f"{service} may be left with some replicas on each image"
    undo = (f"`fintui rollback {service}` goes back" if action == "rollout"
            else f"`fintui rollback {service}` again finishes it")
    return f"{left}; `fintui audit show` says what was done, {undo}"
