"""`fintui approve ID` and `fintui reject ID`. PRE-WIRED SKELETON: the approvals work fills
it in (through the agent when one answers, else this process's operations layer)."""

from __future__ import annotations

import argparse

from fintui.cli_common import EXIT_FAILED, error
from fintui.config import Settings


async def approval_verb(args: argparse.Namespace, settings: Settings) -> int:
    return error("approve and reject are not built yet", EXIT_FAILED)
