"""What every verb of the command line shares: the exit codes and the one-line error."""

from __future__ import annotations

import argparse
import sys

from fintui.core.text_safety import one_line

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# Each `fintui --demo VERB` builds its simulated cluster afresh (and empties the demo's state
# folder): an isolation in one run is not there in the next, so every verb says so.
DEMO_NOTICE = "demo: a new simulated cluster for each run; nothing carries over"
DEMO_VERBS = frozenset({"status", "scale", "isolate", "release", "drain", "activate", "clean",
                        "alerts", "ack", "silence", "audit", "forecast", "collect", "restart",
                        "stop", "start", "kill", "pause", "unpause", "rm", "rollout",
                        "rollback"})
INTERRUPTED = "interrupted: the act may have stopped half way; see fintui audit show"
NO_DEMO_ACTS = "no acts recorded (the demo starts a new cluster each run)"


def demo_notice(args: argparse.Namespace) -> None:
    """The demo's one line, on stderr so that --json output stays a document."""
    if getattr(args, "demo", False) and args.verb in DEMO_VERBS:
        print(DEMO_NOTICE, file=sys.stderr)


def error(message: str, code: int) -> int:
    """One line on stderr, escape-safe (it may quote the daemon or a container name)."""
    print(f"fintui: {one_line(message)}", file=sys.stderr)
    return code
