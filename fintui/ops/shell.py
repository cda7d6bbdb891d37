"""A shell in a container (the console's `E`): guarded and audited like every act.

The plan finds the first shell of `[exec] shells` that exists in the container; running it
hands the terminal to `docker exec -it` through the row's endpoint (unix socket, tcp with its
TLS settings, ssh://) and waits for it to end. Operations.execute writes the "started" record
before and the "ok" (with the exit code and when it ended) or "failed" record after, so
`audit show` and the agent's unfinished-act logic read a shell like any act."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from fintui.core.act_journal import Journal
from fintui.core.text_safety import one_line
from fintui.ops.guard import Decision
from fintui.ops.plan import CONTAINER_REF, Acting, Failed, Plan, Refused, now_iso

if TYPE_CHECKING:
    from fintui.sources.base import ClusterSource

# Runs a blocking call that uses the operator's terminal (the console steps aside around it)
# and returns what it returns: the command's exit status.
Attach = Callable[[Callable[[], int]], Awaitable[int]]

PROBE_TIMEOUT = 20.0  # seconds a `docker exec … true` may take (ssh endpoints are slow)
NOT_FOUND = (126, 127)  # docker exec: the command cannot be run / is not there


def endpoint_url(source: ClusterSource | None) -> str | None:
    """The daemon's URL as configured (a source's `endpoint`), or None for a source no docker
    CLI can reach (the demo's simulated cluster)."""
    if source is None or urlsplit(source.endpoint).scheme == "demo":
        return None
    return source.endpoint


def docker_command(url: str, cert_path: str = "", docker: str = "docker") -> list[str]:
    """`docker` with the options that reach the daemon at `url`, as fintui itself reaches it.
    Without a certificate folder, a tcp:// daemon's TLS comes from DOCKER_TLS_VERIFY and
    DOCKER_CERT_PATH, which the docker CLI reads itself."""
    parts = urlsplit(url)
    if parts.scheme in ("unix", "ssh"):
        return [docker, "-H", url]
    if parts.scheme not in ("tcp", "http", "https") or not parts.hostname:
        raise Refused(f"a shell cannot reach the endpoint {one_line(url)}")
    host = f"tcp://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    tls: list[str] = []
    if cert_path:
        folder = os.path.expanduser(cert_path)
        tls = ["--tlsverify", "--tlscacert", os.path.join(folder, "ca.pem"),
               "--tlscert", os.path.join(folder, "cert.pem"),
               "--tlskey", os.path.join(folder, "key.pem")]
    elif parts.scheme == "https":
        tls = ["--tlsverify"]
    return [docker, *tls, "-H", host]


def exec_command(base: list[str], container: str, shell: str) -> list[str]:
    return [*base, "exec", "-it", container, shell]


async def first_shell(base: list[str], container: str, name: str, shells: tuple[str, ...]
                      ) -> str:
    """The first of `shells` that runs in the container (`SHELL -c true`, no terminal)."""
    for shell in shells:
        try:
            process = await asyncio.create_subprocess_exec(
                *base, "exec", container, shell, "-c", "true",
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE)
        except OSError as exc:
            raise Refused(f"cannot run the docker command: {exc}") from None
        try:
            _, stderr = await asyncio.wait_for(process.communicate(), PROBE_TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise Refused(f"no answer from the endpoint in {PROBE_TIMEOUT:.0f} s while "
                          f"looking for a shell in {one_line(name)}") from None
        if process.returncode == 0:
            return shell
        if process.returncode not in NOT_FOUND:
            said = stderr.decode(errors="replace").strip().splitlines()
            raise Refused(f"cannot open a shell in {one_line(name)}: "
                          f"{one_line(said[-1] if said else f'exit {process.returncode}')}")
    raise Refused(f"no shell in {one_line(name)}: none of {', '.join(shells)} exists there "
                  "([exec] shells lists the ones tried)")


def cert_path_of(ops: Acting) -> str:
    """The configured endpoint's certificate folder, if it has one."""
    return next((e.tls_cert_path for e in ops.settings.endpoints if e.name == ops.endpoint),
                "")


async def plan_shell(ops: Acting, container: str, name: str, attach: Attach) -> Plan:
    """A shell in the container `container` (its id; `name` for people), run by `attach`."""
    parameters: dict[str, Any] = {"container": container}

    async def build(decision: Decision) -> Plan:
        if not CONTAINER_REF.fullmatch(container):
            raise Refused(f"no container {one_line(name)!r}")
        url = endpoint_url(ops.source)
        if url is None:
            raise Refused("the demo cluster has no shells: its containers are simulated")
        if not ops.settings.exec.shells:
            raise Refused("[exec] shells is empty: name the shells to try, like "
                          '["bash", "sh"]')
        state = (await ops.resolve(container)).state
        if state != "running":  # say what to do, not the daemon's sentence around an id
            hint = {"paused": ": unpause it first (p)", "restarting": ": it is between "
                    "crashes; read its logs (l)"}.get(state, ": start it first (x)")
            raise Refused(f"{one_line(name)} is {state}{hint}")
        docker = shutil.which("docker")
        if docker is None:
            raise Refused("no docker command on PATH: a shell needs the Docker CLI "
                          "(https://docs.docker.com/engine/install/)")
        base = docker_command(url, cert_path_of(ops), docker)
        shell = await first_shell(base, container, name, ops.settings.exec.shells)
        argv = exec_command(base, container, shell)
        parameters.update(shell=shell, endpoint_url=url)

        banner = (f"\x1b[H\x1b[2Jfintui: {shell} in {one_line(name)} on {one_line(url)}; "
                  "exit the shell to return to the console\r\n")

        def shell_here() -> int:
            # A clear screen and whose shell this is: the last shell's output is not this one's.
            os.write(1, banner.encode())
            return subprocess.call(argv)

        async def run(journal: Journal) -> dict[str, Any]:
            journal(f"{shell} in {name}: the console returns when it ends")
            try:
                code = await attach(shell_here)
            except OSError as exc:
                raise Failed(f"the shell could not start: {exc}") from None
            return {"exit_code": code, "ended": now_iso(ops.clock)}

        return Plan("shell", name, f"shell {shell} in {name}",
                    [f"docker exec -it {name} {shell}"], parameters, decision=decision,
                    run=run)

    return await ops.planned("shell", name, parameters, build)
