"""The container verbs (`restart`, `stop`, `start`, `kill`, `pause`, `unpause`, `rm`): one plan
for every container named or matched, confirmed once, run with progress."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from fintui.cli_common import EXIT_FAILED, error

if TYPE_CHECKING:
    from fintui.agent.remote_ops import RemoteOperations
    from fintui.ops.operations import Operations

# verb → the act's name in the operations layer (and the guard, and the audit)
CONTAINER_VERBS = {"restart": "restart", "stop": "stop", "start": "start", "kill": "kill",
                   "pause": "pause", "unpause": "unpause", "rm": "remove"}


async def container_verb(ops: Operations | RemoteOperations, args: argparse.Namespace) -> int:
    return error(f"{args.verb} is not built yet", EXIT_FAILED)
