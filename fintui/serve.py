"""`fintui serve`: the same console in a browser, through textual-serve (optional extra).
Each browser tab runs its own `fintui` process with this one's options; read-only unless
the config's [serve] allow_actions says otherwise. The page needs the token printed at start
(or read from --token-file), see fintui.serve_server for the door itself."""

from __future__ import annotations

import argparse
import re
import secrets
import stat
import sys
import tempfile
from pathlib import Path

from fintui.config import Settings
from fintui.core.serve_access import token_problem
from fintui.core.serve_address import bind_problem


class ServeError(Exception):
    pass


def read_only(args: argparse.Namespace, settings: Settings) -> bool:
    """Whether browser sessions are viewers: --read-only, actions not allowed by config, or
    the OS account running the server (the consoles' account) being a viewer."""
    from fintui.ops.guard import role_of
    from fintui.ops.identity import current_identity

    return (bool(args.read_only) or not settings.serve.allow_actions
            or role_of(current_identity(), settings.guard, False) != "operator")


def app_command(args: argparse.Namespace, settings: Settings) -> list[str]:
    """The console command each browser session runs: this invocation's options, minus
    `serve`, and --read-only unless the config allows actions from the browser."""
    command = [sys.executable, "-m", "fintui"]
    for flag, value in (("--config", args.config), ("--host", args.host),
                        ("--context", args.context), ("--endpoint", args.endpoint),
                        ("--as", args.actor), ("--theme", args.theme)):
        if value:  # one word each: a value that starts with "-" stays a value
            command.append(f"{flag}={value}")
    if args.demo:
        command.append("--demo")
    if read_only(args, settings):
        command.append("--read-only")
    return command


def launch_token(token_file: str | None) -> str:
    """A fresh random token, or the one a kiosk keeps in --token-file (not world-readable)."""
    if not token_file:
        return secrets.token_urlsafe(24)
    path = Path(token_file)
    try:
        mode = path.stat().st_mode
        token = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ServeError(f"--token-file {token_file}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ServeError(f"--token-file {token_file}: not UTF-8 text") from None
    if mode & (stat.S_IROTH | stat.S_IWOTH | stat.S_IWGRP):
        raise ServeError(f"--token-file {token_file}: other users may read or change it "
                         f"(mode {stat.S_IMODE(mode):04o}); chmod 600 it")
    problem = token_problem(token)
    if problem:
        raise ServeError(f"--token-file {token_file}: {problem}")
    return token


# A stylesheet or script from another site: textual-serve's page asks Google for a font.
_REMOTE = re.compile(r"""<(link|script)\b[^>]*\b(?:href|src)\s*=\s*["']?(?:https?:)?//[^>]*>"""
                     r"(?:\s*</script>)?", re.IGNORECASE)


def without_remote_resources(page: str) -> str:
    """A page template with every stylesheet and script from another site left out: a
    trading-floor browser should reach only this console (off the internet it would wait on
    the font, and the request tells a third party who opened the console when)."""
    return _REMOTE.sub("", page)


def local_templates(into: Path) -> Path:
    """textual-serve's own templates, made local-only, written under `into`."""
    import textual_serve

    source = Path(textual_serve.__file__).parent / "templates"
    for template in source.glob("*.html"):
        (into / template.name).write_text(without_remote_resources(template.read_text("utf-8")),
                                          "utf-8")
    return into


def serve(args: argparse.Namespace, settings: Settings) -> int:
    problem = bind_problem(args.bind, args.public)
    if problem:
        raise ServeError(problem)
    token = launch_token(args.token_file)
    try:
        from fintui.serve_server import GuardedServer
    except ImportError:
        raise ServeError("fintui serve needs textual-serve: "
                         "pip install 'fintui[serve]'") from None
    mode = "read-only" if read_only(args, settings) else "ACTIONS ALLOWED"
    host = f"[{args.bind}]" if ":" in args.bind else args.bind
    shown = f"?token=<the token in {args.token_file}>" if args.token_file else f"?token={token}"

    def banner(port: int) -> None:  # once listening: the address printed is one that answers
        print(f"fintui serve: http://{host}:{port}/{shown} ({mode}, at most "
              f"{settings.serve.max_sessions} sessions); ctrl+c stops", file=sys.stderr,
              flush=True)

    with tempfile.TemporaryDirectory(prefix="fintui-serve-") as folder:
        server = GuardedServer(app_command(args, settings), token=token,
                               max_sessions=settings.serve.max_sessions, public=args.public,
                               host=args.bind, port=args.port,
                               templates_path=str(local_templates(Path(folder))))
        try:
            server.run(banner)
        except (OSError, OverflowError) as exc:
            raise ServeError(f"cannot listen on {args.bind}:{args.port}: "
                             f"{getattr(exc, 'strerror', None) or exc}") from None
    return 0
