"""The command line's grammar: global options, the verbs and theirs."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from fintui import __version__

if TYPE_CHECKING:

    pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fintui",
        description="Terminal operations console for containerised financial workloads. "
                    "With no verb, starts the interactive console.")
    parser.add_argument("--version", action="version", version=f"fintui {__version__}")
    parser.add_argument("--config", metavar="PATH", help="settings file (TOML)")
    parser.add_argument("--host", metavar="URL",
                        help="Docker endpoint: unix:///path.sock, tcp://host:port or "
                             "ssh://user@host (instead of the configured endpoints)")
    parser.add_argument("--context", metavar="NAME",
                        help="Docker CLI context (docker context ls) whose daemon to use, "
                             "instead of the configured endpoints (default: $DOCKER_CONTEXT, "
                             "else `docker context use`, unless the config names a host)")
    parser.add_argument("--endpoint", metavar="NAME",
                        help="only this one of the configured [[endpoints]]")
    parser.add_argument("--demo", action="store_true",
                        help="use the built-in simulated trading-desk cluster")
    parser.add_argument("--read-only", action="store_true",
                        help="act as a viewer: every change is refused")
    parser.add_argument("--as", dest="actor", metavar="NAME",
                        help="a person's name for the audit log, beside the OS account (for "
                             "a shared login); the role always comes from the OS account")
    parser.add_argument("--theme", metavar="NAME", help="colour theme")
    parser.add_argument("--override-freeze", metavar="REASON", default="",
                        help="act during a change-freeze window; the reason is audited")
    parser.add_argument("--agent", metavar="PATH",
                        help="the agent's socket (default: [agent] socket)")
    parser.add_argument("--no-agent", action="store_true",
                        help="never go through an agent: watch the daemon from here")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")

    def acting(name: str, help_text: str) -> argparse.ArgumentParser:
        verb = verbs.add_parser(name, help=help_text)
        verb.add_argument("--yes", "-y", action="store_true",
                          help="do not ask for confirmation")
        verb.add_argument("--override-freeze", dest="verb_override", metavar="REASON",
                          default="", help="act during a change-freeze window (audited)")
        return verb

    scale = acting("scale", "set the replica count of a Swarm or compose service")
    scale.add_argument("target", help="Swarm service name or id, or compose project/service")
    scale.add_argument("replicas", type=int, help="desired replicas")
    isolate = acting("isolate", "cut a faulty instance off, keep its evidence, replace it")
    isolate.add_argument("container", help="container name or id")
    isolate.add_argument("--no-replace", action="store_true",
                         help="do not start a replacement")
    release = acting("release", "undo an isolation: reconnect, restore, unpause")
    release.add_argument("container", help="container name or id")
    drain = acting("drain", "drain a Swarm node: its tasks move to the other nodes")
    drain.add_argument("node", help="node hostname or id")
    activate = acting("activate", "make a drained or paused Swarm node active again")
    activate.add_argument("node", help="node hostname or id")

    for name, what in (("restart", "restart containers"), ("stop", "stop containers"),
                       ("start", "start stopped containers"),
                       ("kill", "send a signal to containers (default SIGKILL)"),
                       ("pause", "pause containers"), ("unpause", "unpause containers"),
                       ("rm", "remove containers (never their named volumes)")):
        verb = acting(name, what)
        verb.add_argument("containers", nargs="*", metavar="NAME",
                          help="container names or ids")
        verb.add_argument("--match", metavar="GLOB", default="",
                          help="every container whose name matches this glob")
        verb.add_argument("--json", action="store_true", help="machine-readable output")
        if name == "kill":
            verb.add_argument("--signal", "-s", default="", metavar="SIGNAL",
                              help="signal name or number (default: SIGKILL)")
    rollout = acting("rollout", "roll a service out to a new image, with a canary and "
                                "rollback on failure")
    rollout.add_argument("service", help="Swarm service name or id, or compose project/service")
    rollout.add_argument("image", help="the new image (name:tag, or an id)")
    rollout.add_argument("--canary", type=int, default=0, metavar="N",
                         help="replace N replicas first and watch them (default: no canary)")
    rollout.add_argument("--watch", default="", metavar="DURATION",
                         help="how long the canary is watched, like 30s, 2m (default: "
                              "[rollout] watch)")
    rollout.add_argument("--parallelism", type=int, default=1, metavar="N",
                         help="replicas replaced at a time (default 1)")
    rollout.add_argument("--json", action="store_true", help="machine-readable output")
    rollback = acting("rollback", "a service back to the image before its last rollout")
    rollback.add_argument("service", help="Swarm service name or id, or compose project/service")
    rollback.add_argument("--json", action="store_true", help="machine-readable output")

    clean = acting("clean", "remove stale storage by policy, after a preview")
    clean.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    clean.add_argument("--json", action="store_true", help="machine-readable output")
    clean.add_argument("--match", metavar="GLOB", default="",
                       help="consider only objects whose name, id or a key=value label "
                            "matches this glob")

    approve = verbs.add_parser("approve", help="approve an act waiting for a second "
                                               "operator, and run it (audited)")
    approve.add_argument("id", type=int, help="the request's number (fintui policies)")
    approve.add_argument("--yes", "-y", action="store_true",
                         help="do not ask for confirmation")
    approve.add_argument("--json", action="store_true", help="machine-readable output")
    approve.add_argument("--override-freeze", dest="verb_override", metavar="REASON",
                         default="", help="approve during a change-freeze window (audited)")
    reject = verbs.add_parser("reject", help="reject an act waiting for approval (audited)")
    reject.add_argument("id", type=int, help="the request's number (fintui policies)")
    reject.add_argument("--comment", default="", help="why (kept in the audit log)")
    reject.add_argument("--json", action="store_true", help="machine-readable output")
    policies = verbs.add_parser("policies", help="each policy's state, and the requests "
                                                 "waiting for approval")
    policies.add_argument("--json", action="store_true", help="machine-readable output")

    audit = verbs.add_parser("audit", help="the tamper-evident audit log")
    audit_verbs = audit.add_subparsers(dest="audit_verb", metavar="ACTION", required=True)
    verify = audit_verbs.add_parser(
        "verify", help="check the hash chain and the .head; exit 1 names the first problem")
    show = audit_verbs.add_parser("show", help="print the log readably")
    show.add_argument("--since", metavar="TIME", help="ISO 8601 time, or like 2h, 7d")
    for sub in (verify, show):
        sub.add_argument("--log", metavar="PATH", help="audit log file (default: configured)")

    status = verbs.add_parser("status", help="one sweep of the cluster, then print it")
    status.add_argument("--json", action="store_true", help="machine-readable output")

    forecast = verbs.add_parser(
        "forecast", help="capacity forecasts: from the metric history, or from a CSV series")
    forecast.add_argument("--history", metavar="CSV",
                          help="forecast this series instead (timestamp,used_bytes rows; "
                               "ISO 8601 or epoch seconds); needs --capacity")
    forecast.add_argument("--capacity", metavar="BYTES",
                          help="what the series can grow to: bytes, or like 500GiB, 2T")
    forecast.add_argument("--json", action="store_true", help="machine-readable output")

    collect = verbs.add_parser("collect", help="record metric history without the console "
                                               "(for cron or a systemd unit)")
    collect.add_argument("--interval", type=float, metavar="SECONDS",
                         help="seconds between samples (default: history.collect_interval)")
    collect.add_argument("--once", action="store_true",
                         help="take one sample (with disk usage) and exit")

    verbs.add_parser("agent", help="watch always (alerts, pages, history) and serve consoles "
                                   "and verbs on a unix socket; runs in the foreground")
    alerts = verbs.add_parser("alerts", help="the alerts now (the agent's, else one sweep's)")
    alerts.add_argument("--json", action="store_true", help="machine-readable output")
    ack = verbs.add_parser("ack", help="acknowledge an alert (audited)")
    silence = verbs.add_parser("silence", help="silence alerts for a while (audited)")
    for sub in (ack, silence):
        sub.add_argument("rule", help="the alert's rule (silence: a glob)")
        sub.add_argument("target", help="the alert's target (silence: a glob)")
    silence.add_argument("--for", dest="duration", required=True, metavar="SPAN",
                         help="how long, like 30m, 2h, 1d")
    silence.add_argument("--comment", required=True, help="why (shown beside the alert)")

    verbs.add_parser("keys", help="every key binding id and its key ([keys] in the config)")
    serve = verbs.add_parser("serve", help="the console in a browser (needs fintui[serve])")
    serve.add_argument("--host", dest="bind", default="127.0.0.1", metavar="ADDRESS",
                       help="address to listen on (default 127.0.0.1; others need --public)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--public", action="store_true",
                       help="allow a non-loopback address: anyone who reaches it and has the "
                            "token gets the console (plain HTTP: put TLS in front)")
    serve.add_argument("--token-file", metavar="PATH",
                       help="read the page's access token from this file (a kiosk's fixed "
                            "address) instead of a new random one each start")
    config = verbs.add_parser("config", help="settings tools")
    config_verbs = config.add_subparsers(dest="config_verb", metavar="ACTION", required=True)
    check = config_verbs.add_parser("check", help="validate a settings file")
    check.add_argument("path", nargs="?", help="file to check (default: the active one)")
    return parser
