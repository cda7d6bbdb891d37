"""`fintui serve`: the same console in a browser, through textual-serve (optional extra).
Each browser tab runs its own `fintui` process with this one's options; read-only unless
the config's [serve] allow_actions says otherwise."""

from __future__ import annotations

import argparse
import re
import shlex
import sys
import tempfile
from pathlib import Path

from fintui.config import Settings
from fintui.core.serve_address import bind_problem


class ServeError(Exception):
    pass


def app_command(args: argparse.Namespace, settings: Settings) -> list[str]:
    """The console command each browser session runs: this invocation's options, minus
    `serve`, and --read-only unless the config allows actions from the browser."""
    command = [sys.executable, "-m", "fintui"]
    for flag, value in (("--config", args.config), ("--host", args.host),
                        ("--endpoint", args.endpoint), ("--as", args.actor),
                        ("--theme", args.theme)):
        if value:
            command += [flag, value]
    if args.demo:
        command.append("--demo")
    if args.read_only or not settings.serve_allow_actions:
        command.append("--read-only")
    return command


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
    try:
        from textual_serve.server import Server
    except ImportError:
        raise ServeError("fintui serve needs textual-serve: "
                         "pip install 'fintui[serve]'") from None
    command = shlex.join(app_command(args, settings))
    mode = "read-only" if "--read-only" in command else "ACTIONS ALLOWED"
    with tempfile.TemporaryDirectory(prefix="fintui-serve-") as folder:
        server = Server(command, host=args.bind, port=args.port, title="fintui",
                        templates_path=local_templates(Path(folder)))
        print(f"fintui serve: http://{args.bind}:{args.port}/ ({mode}); ctrl+c stops",
              file=sys.stderr)
        try:
            server.serve()
        except OSError as exc:
            raise ServeError(f"cannot listen on {args.bind}:{args.port}: "
                             f"{exc.strerror or exc}") from None
    return 0
