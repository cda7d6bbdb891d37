"""`fintui serve`: the same console in a browser, through textual-serve (optional extra).
Each browser tab runs its own `fintui` process with this one's options; read-only unless
the config's [serve] allow_actions says otherwise."""

from __future__ import annotations

import argparse
import shlex
import sys

from fintui.config import Settings
from fintui.core.serve_address import bind_problem


class ServeError(Exception):
    pass


def app_command(args: argparse.Namespace, settings: Settings) -> list[str]:
    """The console command each browser session runs: this invocation's options, minus
    `serve`, and --read-only unless the config allows actions from the browser."""
    command = [sys.executable, "-m", "fintui"]
    for flag, value in (("--config", args.config), ("--host", args.host),
                        ("--as", args.actor), ("--theme", args.theme)):
        if value:
            command += [flag, value]
    if args.demo:
        command.append("--demo")
    if args.read_only or not settings.serve_allow_actions:
        command.append("--read-only")
    return command


def serve(args: argparse.Namespace, settings: Settings) -> int:
    problem = bind_problem(args.bind, args.public)
    if problem:
        raise ServeError(problem)
    try:
        from textual_serve.server import Server
    except ImportError:
        raise ServeError("fintui serve needs textual-serve: "
                         "pip install 'fintui[serve]'") from None
    command = shlex.join(app_command(args, settings))
    server = Server(command, host=args.bind, port=args.port, title="fintui")
    mode = "read-only" if "--read-only" in command else "ACTIONS ALLOWED"
    print(f"fintui serve: http://{args.bind}:{args.port}/ ({mode}); ctrl+c stops",
          file=sys.stderr)
    try:
        server.serve()
    except OSError as exc:
        raise ServeError(f"cannot listen on {args.bind}:{args.port}: {exc.strerror or exc}"
                         ) from None
    return 0
