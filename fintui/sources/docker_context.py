"""Which Docker daemon to watch when none is listed in [[endpoints]]: the command line, the
config, the environment, or a Docker CLI context (`docker context use`, DOCKER_CONTEXT,
`--context NAME`), read through the `docker` package's context API.

Precedence, the docker CLI's with fintui's own settings in the middle:
  1. --host URL                 (with --context too: an error, as in the docker CLI)
  2. --context NAME
  3. [docker] host in the config (an explicit setting beats what the shell happens to carry)
  4. $DOCKER_HOST
  5. $DOCKER_CONTEXT
  6. the current context of $DOCKER_CONFIG/config.json (`docker context use NAME`)
  7. unix:///var/run/docker.sock
([[endpoints]], when configured, sit at 3 too: only --host and --context replace them.)

The `docker` package is imported only when a context must be read (it costs a tenth of a second
at start): with no DOCKER_CONTEXT, a config.json without `currentContext` is enough to know
that none is in use."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fintui.config import DEFAULT_HOST, Settings, resolve_host

DEFAULT_CONTEXT = "default"  # the docker CLI's name for "DOCKER_HOST, else the local socket"
TLS_FILES = ("ca.pem", "cert.pem", "key.pem")  # what engine_client reads from a cert folder


class ContextError(ValueError):
    """A context that cannot be used (unknown, unreadable, no Docker endpoint): one line."""


@dataclass(frozen=True, slots=True)
class DockerTarget:
    url: str
    cert_path: str = ""  # a folder of ca.pem, cert.pem, key.pem: TLS with client certificates
    context: str = ""  # the context that named it, if any


def docker_target(cli_host: str | None, cli_context: str | None, settings: Settings,
                  env: Mapping[str, str] | None = None) -> DockerTarget:
    """The one daemon to watch, by the precedence above."""
    env = os.environ if env is None else env
    if cli_host and cli_context:
        raise ContextError("--host and --context together: name the daemon one way")
    if cli_host:
        return DockerTarget(resolve_host(cli_host, settings))
    if cli_context:
        return context_target(cli_context, "--context", env)
    if settings.docker.host or env.get("DOCKER_HOST"):
        return DockerTarget(resolve_host(None, settings))
    if env.get("DOCKER_CONTEXT"):
        return context_target(env["DOCKER_CONTEXT"], "DOCKER_CONTEXT", env)
    if _current_context_set(env):
        return context_target(None, "the current context (docker context use)", env)
    return DockerTarget(resolve_host(None, settings))


def context_target(name: str | None, origin: str,
                   env: Mapping[str, str] | None = None) -> DockerTarget:
    """The daemon a context names (None: the current one of config.json), with its TLS
    material; ContextError saying which context and why it cannot be used."""
    from docker.context import ContextAPI  # a tenth of a second: only when a context is read
    from docker.context.config import get_context_dir, get_current_context_name
    from docker.utils.config import find_config_file

    env = os.environ if env is None else env
    label = name or get_current_context_name()
    where = f"{origin} {label}" if origin == "--context" else f"{origin}: {label}"
    if label == DEFAULT_CONTEXT:  # the CLI's own default: DOCKER_HOST, else the local socket
        return DockerTarget(env.get("DOCKER_HOST") or DEFAULT_HOST, "", label)
    home = Path(env.get("DOCKER_CONFIG") or Path.home() / ".docker")
    # The package finds the contexts beside config.json, and without one (a context made
    # before any `docker context use`) in ./contexts: read them from the CLI's folder then.
    beside = find_config_file() is None and (home / "contexts").is_dir()
    try:
        with contextlib.chdir(home) if beside else contextlib.nullcontext():
            context: Any = ContextAPI.get_context(name)
            if context is not None and context.TLSConfig is not None and \
                    context.TLSConfig.cert:  # its paths are relative to that folder
                tls = context.TLSConfig
                tls.cert = tuple(os.path.abspath(p) for p in tls.cert)
                tls.ca_cert = os.path.abspath(tls.ca_cert) if tls.ca_cert else tls.ca_cert
    except Exception as exc:  # a damaged meta.json: the package raises bare Exception
        raise ContextError(f"{where}: cannot read the context: {exc}") from None
    if context is None:
        folder = home / "contexts" if beside or find_config_file() is None \
            else Path(os.path.abspath(get_context_dir()))
        raise ContextError(f"{where}: no such Docker context (contexts are read from "
                           f"{folder})")
    host = context.Host
    if not host:
        raise ContextError(f"{where}: the context has no Docker endpoint")
    return DockerTarget(_url(str(host)), _cert_folder(context.TLSConfig, where), label)


def _url(host: str) -> str:
    """The package writes a unix socket as http+unix:// (the CLI as unix://); tcp:// becomes
    http:// or https:// by its TLS, which parse_endpoint reads as they are."""
    return "unix://" + host.removeprefix("http+unix://") if host.startswith("http+unix://") \
        else host


def _cert_folder(tls: Any, where: str) -> str:
    """The folder of the context's certificates (the docker CLI stores them as ca.pem,
    cert.pem and key.pem side by side); "" when the context has none."""
    if tls is None or not tls.cert:
        return ""
    cert, key = tls.cert
    folder = Path(cert).parent
    found = (Path(str(tls.ca_cert or "")), Path(cert), Path(key))
    if any(f.parent != folder or f.name != want for f, want in zip(found, TLS_FILES,
                                                                     strict=True)):
        raise ContextError(f"{where}: its TLS files must be {', '.join(TLS_FILES)} in one "
                           f"folder (found {', '.join(str(f) for f in found)})")
    return str(folder)


def _current_context_set(env: Mapping[str, str]) -> bool:
    """Whether the docker CLI's config.json names a current context other than the default.
    Only a gate to skip importing `docker` when none is set: the context itself is read by
    the package. The file is the one the package reads (DOCKER_CONFIG's, else ~/.docker's)."""
    candidates = [Path(env["DOCKER_CONFIG"]) / "config.json"] if env.get("DOCKER_CONFIG") else []
    candidates.append(Path.home() / ".docker" / "config.json")
    for path in candidates:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except (OSError, ValueError):
            return False  # unreadable: the package treats it as the default context too
        name = data.get("currentContext") if isinstance(data, dict) else None
        return bool(name) and name != DEFAULT_CONTEXT
    return False
