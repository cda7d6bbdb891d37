"""Who runs the policies (one answer for schedules, autoscaling and automatic isolation), and
the hand-over to the agent. The agent's runner takes precedence over a `--no-agent` console's:
a console that took the policy lock while no agent ran gives it up (and says where the
policies run) once an agent answers on its socket, looked at rarely and in the watch's
background; it takes the lock again only when no agent answers. The agent's own runner never
yields, and retries the lock on every sweep, so it runs the policies within one look of the
console."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from fintui.core.policy_rows import ELSEWHERE, REFUSED, UNKNOWN

if TYPE_CHECKING:
    from fintui.watch.policies import PolicyRunner

# Whether an agent answers on a socket: given by the console (fintui.agent.supervise), since
# the watch itself never imports the agent.
AgentAnswers = Callable[[Path], Awaitable[bool]]

LOOK_EVERY = 10.0  # seconds of the watch's clock between looks for an agent


class Handover:
    def __init__(self, runner: PolicyRunner) -> None:
        self.runner = runner
        self.agent = False  # set by the agent (fintui/agent/run.py): its runner never yields
        self.answers: AgentAnswers | None = None  # a console's way to look for an agent
        self.yielded = False  # an agent answers: this runner leaves the policies to it
        self._looked_at = -float("inf")

    @property
    def why(self) -> str:
        return f"the agent at {self.runner.watch.parts.settings.agent.socket} runs them"

    def look(self) -> None:
        """Look for an agent now and then (a console's runner only)."""
        if self.agent or self.answers is None:  # the agent, or nothing to yield to (the demo)
            return
        now = self.runner.watch.parts.clock.now().timestamp()
        if now - self._looked_at < LOOK_EVERY:
            return
        self._looked_at = now
        self.runner.watch.spawn("policy-agent-look", self._look(), single=True)

    async def _look(self) -> None:
        assert self.answers is not None
        answers = await self.answers(self.runner.watch.parts.settings.agent.socket)
        if answers and not self.yielded:
            self.yielded = True
            self.runner.give_up()
        elif not answers and self.yielded:
            self.yielded = False  # the agent is gone: this runner takes the lock again
            self.runner.watch.wake()

    def why_not(self) -> tuple[str, str]:
        """Why this watch does not run the policies ("" when it does), and the state its rows
        show then: the one answer for schedules, autoscaling and automatic isolation."""
        why, state = "", ELSEWHERE
        if not self.runner.watch.deliver:
            why = "policies run in a watch that pages: the agent, or a --no-agent console"
        elif self.runner.watch.parts.read_only:
            why, state = "read-only: policies do not act here", REFUSED
        elif self.yielded:
            why = self.why
        elif not self.runner.lock.take():
            pid = self.runner.lock.holder()
            why = (f"process {pid} runs them" if pid else "another process runs them") + \
                f" ({self.runner.lock.path})"
            if self.runner.lock.problem:  # not another runner: the state folder is at fault
                why, state = self.runner.lock.problem, UNKNOWN
        if self.runner.watch.deliver and not self.runner.watch.parts.read_only:
            self.look()
        return why, state
