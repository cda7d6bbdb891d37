"""The release verbs (`rollout`, `rollback`): plan, confirm, follow the rollout to its end."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from fintui.cli_common import EXIT_FAILED, error

if TYPE_CHECKING:
    from fintui.agent.remote_ops import RemoteOperations
    from fintui.ops.operations import Operations


async def rollout_verb(ops: Operations | RemoteOperations, args: argparse.Namespace) -> int:
    return error(f"{args.verb} is not built yet", EXIT_FAILED)
