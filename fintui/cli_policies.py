"""`fintui policies [--json]`. PRE-WIRED SKELETON: the policies view work fills it in
(the agent's when one answers, else this process's reading of the config and state)."""

from __future__ import annotations

import argparse

from fintui.cli_common import EXIT_FAILED, error
from fintui.config import Settings


async def policies_verb(args: argparse.Namespace, settings: Settings) -> int:
    return error("policies is not built yet", EXIT_FAILED)
