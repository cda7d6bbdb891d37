"""What every verb of the command line shares: the exit codes and the one-line error."""

from __future__ import annotations

import sys

from fintui.core.text_safety import one_line

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def error(message: str, code: int) -> int:
    """One line on stderr, escape-safe (it may quote the daemon or a container name)."""
    print(f"fintui: {one_line(message)}", file=sys.stderr)
    return code
