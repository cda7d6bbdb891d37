"""`fintui agent` on a real dockerd: it pages with no console open, exactly once a transition;
verbs go through it; and a caller acts as its own OS account, whatever it claims."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pwd
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fintui.agent.client import agent_answers
from tests.integration.conftest import HOST, PREFIX, RUN_ID
from tests.integration.webhook_receiver import receiver

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def settings_text(state: Path, extra: str = "") -> str:
    return (f'[ui]\nrefresh_interval = 0.5\n\n[docker]\nreconnect_max_backoff = 0.5\n\n'
            f'[paths]\nstate_dir = "{state}"\n\n'
            f'[alerts]\nstate_file = "{state}/alerts.toml"\nresolve_after = "1s"\n{extra}')


def paging_config(folder: Path, url: str) -> Path:
    """Settings whose critical alerts page the receiver at `url` (Alertmanager format)."""
    config = folder / "fintui.toml"
    config.write_text(settings_text(folder / "state", (
        f'\n[[alerts.receivers]]\nname = "desk"\nurl = "{url}"\n'
        'format = "alertmanager"\nseverities = ["critical"]\n')))
    return config


class Agent:
    def __init__(self, config: Path, socket: Path) -> None:
        self.config, self.socket = config, socket
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fintui", "--config", str(config), "--host", HOST,
             "--agent", str(socket), "agent"], stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)

    def up(self) -> None:
        deadline = time.monotonic() + 30
        while not asyncio.run(agent_answers(self.socket)):
            assert self.process.poll() is None, self.process.communicate()
            assert time.monotonic() < deadline, "the agent did not answer within 30 s"
            time.sleep(0.2)

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        _, err = self.process.communicate(timeout=30)
        return self.process.returncode, err

    def cli(self, *args: str, prefix: tuple[str, ...] = (), env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*prefix, sys.executable, "-m", "fintui", "--config",
                               str(self.config), "--agent", str(self.socket), *args],
                              capture_output=True, text=True, timeout=60, env=env)


def pages(received: list[dict[str, Any]], target: str) -> list[str]:
    """The statuses of the Alertmanager messages about `target`, in the order received."""
    return [r["status"] for r in received
            if any(a["labels"]["target"] == target for a in r["alerts"])]


async def until(check: Callable[[], bool], seconds: float, what: Callable[[], str],
                step: float = 0.2) -> float:
    """Seconds until `check` holds; fails after `seconds`, saying `what()` as it is then."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < seconds, f"not within {seconds}s: {what()}"
        await asyncio.sleep(step)
    return time.monotonic() - start


async def test_the_agent_pages_once_with_no_console_open(
        client: Any, run_container: Callable[..., Any], short_dir: Path) -> None:
    async with receiver() as (url, received):
        config = paging_config(short_dir, url)
        agent = Agent(config, short_dir / "agent.sock")
        target = PREFIX + "agent-crasher"

        def mine() -> list[str]:
            return pages(received, target)

        try:
            await asyncio.to_thread(agent.up)
            crasher = run_container("agent-crasher", ["sh", "-c", "sleep 1; exit 3"],
                                    restart_policy={"Name": "always"})
            await until(lambda: "firing" in mine(), 45,
                        lambda: f"a firing page from the agent alone: {received}")
            # Through the agent, `status --json` shows the alert as the agent holds it.
            status = await asyncio.to_thread(agent.cli, "status", "--json")
            document = json.loads(status.stdout)
            assert document["agent"] is not None, status.stderr
            assert document["agent"]["socket"] == str(agent.socket)
            assert {(a["rule"], a["target"], a["state"]) for a in document["alerts"]} >= {
                ("crash-loop", target, "firing")}
            listed = await asyncio.to_thread(agent.cli, "alerts", "--json")
            assert json.loads(listed.stdout)["source"] == f"from the agent at {agent.socket}"
            # An agent named on the command line that is not there is an error, not a
            # silent act without it.
            astray = await asyncio.to_thread(
                agent.cli, "--agent", str(short_dir / "none.sock"), "ack", "crash-loop", target)
            assert astray.returncode == 1 and astray.stderr.startswith(
                "fintui: cannot use the agent: no agent at "), astray.stderr
            crasher.remove(force=True)  # gone: its alert resolves
            await until(lambda: "resolved" in mine(), 30, lambda: f"a resolved page: {received}")
            await asyncio.sleep(3)  # and nothing more comes
            code, log = await asyncio.to_thread(agent.stop)
        finally:
            if agent.process.poll() is None:
                agent.process.kill()
    assert mine() == ["firing", "resolved"]
    assert code == 0, log
    assert "serving" in log and "Traceback" not in log
    assert not agent.socket.exists()  # a stopped agent leaves no socket to trip over


@pytest.fixture
def desk_account() -> Iterator[tuple[str, str]]:
    """An account made for the test, in a group of its own, outside the `docker` group."""
    if os.geteuid() != 0:
        pytest.skip("making a test account needs root (CI runs as root)")
    group, user = f"fti{RUN_ID}", f"fti{RUN_ID}u"
    subprocess.run(["groupadd", group], check=True)
    try:
        subprocess.run(["useradd", "-M", "-N", "-g", group, "-s", "/usr/sbin/nologin", user],
                       check=True)
        yield user, group
    finally:
        subprocess.run(["userdel", user], check=False)
        subprocess.run(["groupdel", group], check=False)


def test_a_desk_account_watches_through_the_agent_and_is_refused_as_itself(
        client: Any, run_container: Callable[..., Any], short_dir: Path,
        desk_account: tuple[str, str]) -> None:
    user, group = desk_account
    short_dir.chmod(0o755)  # the desk reaches the socket's folder; the socket is 0660
    config = short_dir / "fintui.toml"
    config.write_text(settings_text(short_dir / "state", (
        f'\n[guard]\nroles = {{ "@{group}" = "viewer" }}\n\n[agent]\ngroup = "{group}"\n')))
    config.chmod(0o644)
    agent = Agent(config, short_dir / "run" / "agent.sock")
    entry = pwd.getpwnam(user)
    as_desk = ("setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}",
               "--clear-groups")
    env = {"HOME": str(short_dir), "PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT)}
    target = PREFIX + "agent-exited"
    run_container("agent-exited", ["sh", "-c", "exit 3"])
    try:
        agent.up()
        # On its own the desk account cannot reach the daemon; through the agent it watches.
        alone = agent.cli("--host", HOST, "--no-agent", "status", prefix=as_desk, env=env)
        assert alone.returncode == 1 and "disconnected: permission denied on" in alone.stderr, \
            alone.stderr
        seen = agent.cli("status", "--json", prefix=as_desk, env=env)
        assert seen.returncode == 0, seen.stderr
        assert target in {c["name"] for c in json.loads(seen.stdout)["containers"]}
        table = agent.cli("status", prefix=as_desk, env=env)  # the text form too
        assert table.returncode == 0 and target in table.stdout, table.stderr
        assert table.stdout.rstrip().endswith(f"agent: answering at {agent.socket}")
        deadline = time.monotonic() + 20
        while not any("exited-nonzero" in line and target in line for line in
                      agent.cli("alerts", prefix=as_desk, env=env).stdout.splitlines()):
            assert time.monotonic() < deadline, "the exited container's alert never showed"
            time.sleep(0.5)
        # --as names the operator: it changes nothing, the socket says who is asking.
        refused = agent.cli("--as", "root", "ack", "exited-nonzero", target, prefix=as_desk,
                            env=env)
        # An operator's account that asks to be a viewer (--read-only) is one.
        lowered = agent.cli("--read-only", "ack", "exited-nonzero", target)
        acked = agent.cli("ack", "exited-nonzero", target)  # root: an operator
        # Acts too: the desk's isolate is refused as itself; the operator's is done by the
        # agent, which holds the Docker socket.
        victim = run_container("agent-victim", ["sleep", "3600"])
        isolate = ("isolate", PREFIX + "agent-victim", "--no-replace", "--yes")
        desk_isolate = agent.cli("--as", "root", *isolate, prefix=as_desk, env=env)
        victim.reload()
        desk_state = victim.attrs["State"]
        isolated = agent.cli("--as", "somebody", *isolate)
        victim.reload()
        after = victim.attrs["State"]
        # The desk cannot read the audit file; through the agent it reads who did what.
        shown = agent.cli("audit", "show", prefix=as_desk, env=env)
    finally:
        code, log = agent.stop()
    assert refused.returncode == 1
    assert refused.stderr.splitlines()[0] == ("fintui: --as is not used through the agent: "
                                              f"acts are audited as this OS account ({user})")
    assert refused.stderr.splitlines()[1].startswith(
        "fintui: refused: role 'viewer' may not ack"), refused.stderr
    assert f"account {user}" in refused.stderr
    assert acked.returncode == 0, acked.stderr
    assert acked.stdout.startswith(f"acknowledged exited-nonzero on {target}")
    records = [json.loads(line) for line in
               (short_dir / "state" / "audit.jsonl").read_text().splitlines()]
    acks = [(r["actor"], r["user"], r["uid"], r["role"], r["outcome"]) for r in records
            if r["action"] == "ack"]
    assert acks == [(user, user, entry.pw_uid, "viewer", "refused"),
                    ("root", "root", 0, "viewer", "refused"),
                    ("root", "root", 0, "operator", "ok")]
    assert lowered.returncode == 1 and "(account root, by --read-only)" in lowered.stderr, \
        lowered.stderr
    assert desk_isolate.returncode == 1, desk_isolate.stderr
    assert "refused: role 'viewer' may not isolate" in desk_isolate.stderr
    assert f"account {user}" in desk_isolate.stderr
    assert not desk_state["Paused"]  # refused: untouched
    assert isolated.returncode == 0, isolated.stderr
    assert "done: isolate" in isolated.stdout and after["Paused"], isolated.stdout
    isolations = [(r["actor"], r["user"], r["uid"], r["role"], r["outcome"]) for r in records
                  if r["action"] == "isolate"]
    assert isolations == [(user, user, entry.pw_uid, "viewer", "refused"),
                          ("root", "root", 0, "operator", "started"),
                          ("root", "root", 0, "operator", "ok")]
    assert shown.returncode == 0, shown.stderr
    assert f"{user} (viewer)  isolate {PREFIX}agent-victim  refused" in shown.stdout
    assert f"root (operator)  isolate {PREFIX}agent-victim  ok" in shown.stdout
    assert code == 0, log
    with contextlib.suppress(FileNotFoundError):
        assert not agent.socket.exists()


async def test_a_console_survives_its_agent_killed_and_attaches_again(
        client: Any, run_container: Callable[..., Any], short_dir: Path) -> None:
    from tests.tui.helpers import make_app, screen_text

    config = short_dir / "fintui.toml"
    config.write_text(settings_text(short_dir / "state", (
        '\n[[alerts.receivers]]\nname = "desk"\nurl = "http://127.0.0.1:9/none"\n'
        'format = "slack"\nseverities = ["critical"]\n')))
    socket = short_dir / "agent.sock"
    agent = Agent(config, socket)
    await asyncio.to_thread(agent.up)
    app = make_app("--host", HOST, "--agent", str(socket), demo=False, config=config)
    said: list[str] = []
    notify = app.notify

    def heard(message: str, **kwargs: Any) -> None:
        said.append(str(message))
        notify(message, **kwargs)

    app.notify = heard  # type: ignore[method-assign]

    def screen() -> str:
        return screen_text(app)

    try:
        async with app.run_test(size=(160, 40)):
            await until(lambda: "via agent" in screen(), 15, screen, 0.05)
            agent.process.kill()  # kill -9: no goodbye on the socket
            took = await until(lambda: any("agent gone" in s for s in said), 2.0, screen, 0.05)
            print(f"agent loss said after {took:.2f}s")
            # Live data from the console's own watch meanwhile, and no pages from it.
            run_container("after-agent", ["sleep", "300"])
            await until(lambda: app.state.snapshot is not None and any(
                c.name == PREFIX + "after-agent" for c in app.state.snapshot.containers), 5,
                        screen, 0.05)
            assert "NO AGENT: no pages" in screen()
            agent = Agent(config, socket)
            await until(lambda: any("attached again" in s for s in said), 30, screen, 0.05)
            await until(lambda: "via agent" in screen(), 5, screen, 0.05)
    finally:
        if agent.process.poll() is None:
            agent.stop()


CONSOLE = """
import asyncio, sys
from fintui.cli import build_parser
from fintui.config import load_settings
from fintui.tui.app import FintuiApp
from fintui.wiring import build_parts

args = build_parser().parse_args(["--config", sys.argv[1], "--agent", sys.argv[2]])
app = FintuiApp(build_parts(args, load_settings(args.config)))

async def run() -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        while "via agent" not in str(app.main.query_one("#status").render()):
            await pilot.pause(0.1)
        print("attached", flush=True)
        await pilot.pause(float(sys.argv[3]))

asyncio.run(run())
"""


async def test_two_attached_consoles_and_the_agent_page_once(
        client: Any, run_container: Callable[..., Any], short_dir: Path) -> None:
    async with receiver() as (url, received):
        config = paging_config(short_dir, url)
        agent = Agent(config, short_dir / "agent.sock")
        consoles: list[subprocess.Popen[str]] = []
        target = PREFIX + "two-consoles"
        try:
            await asyncio.to_thread(agent.up)
            for _ in range(2):
                consoles.append(subprocess.Popen(
                    [sys.executable, "-c", CONSOLE, str(config), str(agent.socket), "60"],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
            for console in consoles:  # both attached before the incident
                line = await asyncio.to_thread(console.stdout.readline)  # type: ignore[union-attr]
                assert line.strip() == "attached", console.stderr.read()  # type: ignore[union-attr]
            crasher = run_container("two-consoles", ["sh", "-c", "sleep 1; exit 3"],
                                    restart_policy={"Name": "always"})

            await until(lambda: "firing" in pages(received, target), 45, lambda: str(received))
            crasher.remove(force=True)
            await until(lambda: "resolved" in pages(received, target), 30,
                        lambda: str(received))
            await asyncio.sleep(3)  # nothing more from anyone
        finally:
            for console in consoles:
                console.kill()
                console.wait(10)
            await asyncio.to_thread(agent.stop)
    assert pages(received, target) == ["firing", "resolved"]
