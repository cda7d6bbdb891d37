"""Command line: parse, load settings, build the parts (fintui.wiring), run a verb or the TUI.

Verbs that need no screen never import Textual, so they start fast in runbooks and cron.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from fintui.cli_acts import acting_verb
from fintui.cli_audit import audit_verb
from fintui.cli_common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    INTERRUPTED,
    demo_notice,
    error,
)
from fintui.cli_parser import build_parser
from fintui.cli_tools import config_check, forecast_csv, forecast_history, keymap_error, keys_verb
from fintui.cli_watch import watch_verb
from fintui.config import ConfigError, load_settings
from fintui.core.keymap import KeymapError
from fintui.parent_watch import PARENT_ENV
from fintui.store.db import StateUnavailable
from fintui.wiring import ACTING_VERBS, UsageError, build_parts, chosen_daemon

__all__ = ["build_parser", "main"]  # build_parser: where callers have imported it


def main(argv: Sequence[str] | None = None) -> int:
    if PARENT_ENV in os.environ:  # a console of `fintui serve`: end with the server
        from fintui.parent_watch import die_with_parent

        die_with_parent()
    args = build_parser().parse_args(argv)
    code = _run(args)
    if code == EXIT_OK:  # a failure keeps to its one line on stderr
        demo_notice(args)
    return code


def _run(args: argparse.Namespace) -> int:
    try:
        if args.verb == "config":
            return config_check(args)
        settings = load_settings(args.config)
        if args.context:  # a context that cannot be used is an error for every verb
            chosen_daemon(args, settings)
        if args.verb == "audit":
            return audit_verb(args, settings)
        if args.verb == "keys":
            return keys_verb(settings)
        if args.verb == "serve":
            from fintui.serve import ServeError, serve

            try:
                return serve(args, settings)
            except ServeError as exc:
                raise UsageError(str(exc)) from None
        if args.verb == "forecast" and args.history:
            return forecast_csv(args, settings)
        if args.verb in ("alerts", "ack", "silence", "status", "agent"):
            return asyncio.run(watch_verb(args, settings))
        if args.verb in ACTING_VERBS:
            return asyncio.run(acting_verb(args, settings))
        if args.verb in ("approve", "reject"):
            from fintui.cli_approvals import approval_verb

            return asyncio.run(approval_verb(args, settings))
        if args.verb == "policies":
            from fintui.cli_policies import policies_verb

            return asyncio.run(policies_verb(args, settings))
        parts = build_parts(args, settings)
        if args.verb == "forecast":
            return forecast_history(parts, args.json)
        if args.verb == "collect":
            from fintui.collector import collect

            return asyncio.run(collect(parts, args.interval, args.once))
        from fintui.tui.app import UnknownTheme, run_app  # only the console needs Textual

        try:
            return run_app(parts, theme=args.theme)
        except UnknownTheme as exc:
            for line in str(exc).splitlines():  # the theme, then each unusable theme file
                error(line.strip(), EXIT_USAGE)
            return EXIT_USAGE
        except KeymapError as exc:
            return keymap_error(settings, exc)
    except ConfigError as exc:
        return error(f"config error: {exc}", EXIT_USAGE)
    except UsageError as exc:
        return error(str(exc), EXIT_USAGE)
    except StateUnavailable as exc:
        # Another place helps only when this one cannot be made or written, not when locked.
        hint = " (set paths.state_dir)" if any(
            why in exc.reason for why in ("unable to open", "ermission", "read-only")) else ""
        return error(f"{exc}{hint}", EXIT_USAGE)
    except KeyboardInterrupt:
        # The act's own record says how far it got; a release's verb has said more already.
        if args.verb in ACTING_VERBS and args.verb not in ("rollout", "rollback"):
            error(INTERRUPTED, 130)
        return 130
    except BrokenPipeError:
        # `fintui ... | head`: the reader left; no traceback, and none from the final flush.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
