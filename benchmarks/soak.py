"""A soak: the console and `fintui collect` run for an hour (or --minutes) against a private
dockerd while containers churn, some crash-loop, and the daemon is killed and frozen. Run by
hand, as root (the private daemon needs it):

    .venv/bin/python benchmarks/soak.py [--minutes 60] [--warmup 5] [--seed 7]

Measured, and printed at the end (figures relative to the anchor: each process's own RSS and
open files when warm-up ends, in the same run):
  - both processes still running (no crash), and any traceback they wrote;
  - RSS and open files of the console and of the collector: at warm-up, peak after, at the end;
  - after each freeze and thaw and at the end: how long until every container that exists is
    shown in the Containers pane, and every removed one gone (the bar: 2 s);
  - alerts: every firing and resolved transition the console saw, and how many times the
    webhook receiver got each (the bar: exactly once).

The console runs headless (Textual's run_test) in a child process so its memory is its own;
the daemon is tests/integration/private_daemon.py's, so nothing of the engineer's is touched."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHOWN_BAR = 2.0  # seconds for a container that exists to be on screen
MAX_CHURNED = 24  # churned containers alive at once


# ---- the console, in a child process --------------------------------------------------------

async def console_child(url: str, config: Path, ctl: Path) -> None:
    """The console on `url`, headless. Answers `want-N.json` (names that should be shown) with
    `got-N.json` (seconds until they were, or what was missing), and writes every alert
    transition it evaluated to `alerts.jsonl`; stops when `stop` appears."""
    from fintui.cli import build_parser
    from fintui.config import load_settings
    from fintui.tui.app import FintuiApp
    from fintui.tui.panes.containers import ContainersPane
    from fintui.wiring import build_parts

    args = build_parser().parse_args(["--host", url, "--no-agent", "--as", "soak", "--config",
                                      str(config)])
    app = FintuiApp(build_parts(args, load_settings(args.config)), theme=args.theme)
    transitions = (ctl / "alerts.jsonl").open("a", encoding="utf-8")
    evaluate = app.watcher.alert_engine.evaluate

    def recorded(*a: Any, **kw: Any) -> Any:
        changed = evaluate(*a, **kw)
        for alert in changed:
            transitions.write(json.dumps({"rule": alert.rule, "target": alert.target,
                                          "state": alert.state}) + "\n")
        transitions.flush()
        return changed

    app.watcher.alert_engine.evaluate = recorded  # type: ignore[method-assign]

    def shown() -> set[str]:
        pane = app.query_one(ContainersPane)
        return {pane.cell_text(key, "name") for key in pane.row_keys()}

    async with app.run_test(size=(160, 50)) as pilot:
        while not (ctl / "stop").exists():
            for want in sorted(ctl.glob("want-*.json")):
                names = set(json.loads(want.read_text()))
                start = time.monotonic()
                seen: set[str] = set()
                while time.monotonic() - start < 20:
                    seen = shown()
                    if seen == names:
                        break
                    await pilot.pause(0.05)
                took = time.monotonic() - start
                result = {"seconds": round(took, 2), "missing": sorted(names - seen),
                          "extra": sorted(seen - names)}
                (ctl / want.name.replace("want", "got")).write_text(json.dumps(result))
                want.unlink()
            await pilot.pause(0.2)
    transitions.close()


# ---- the webhook receiver, in a thread of the parent ---------------------------------------

@dataclass
class Receiver:
    messages: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0

    def start(self) -> None:
        ready = threading.Event()
        threading.Thread(target=lambda: asyncio.run(self._serve(ready)), daemon=True).start()
        ready.wait(10)

    async def _serve(self, ready: threading.Event) -> None:
        from aiohttp import web

        async def hook(request: web.Request) -> web.Response:
            self.messages.append({"key": request.headers.get("Idempotency-Key", ""),
                                  "body": await request.text()})
            return web.Response(text="ok")

        app = web.Application()
        app.router.add_post("/hook", hook)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        ready.set()
        await asyncio.Event().wait()


# ---- the soak --------------------------------------------------------------------------------

@dataclass
class Sample:
    at: float
    rss: int
    fds: int


def sample(proc: psutil.Process, at: float) -> Sample:
    rss = sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
    return Sample(at, rss, proc.num_fds())


@contextlib.contextmanager
def started(cmd: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def ask_shown(ctl: Path, n: int, names: list[str]) -> dict[str, Any]:
    """How long until the console shows exactly `names`."""
    (ctl / f"want-{n:04}.json").write_text(json.dumps(names))
    got = ctl / f"got-{n:04}.json"
    deadline = time.monotonic() + 60
    while not got.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return json.loads(got.read_text()) if got.exists() else {"seconds": None, "missing": ["?"]}


def names_now(client: Any) -> list[str]:
    return sorted(c.name for c in client.containers.list(all=True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=5.0, help="minutes before the anchor")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--kill-every", type=float, default=9.0, help="minutes")
    parser.add_argument("--freeze-every", type=float, default=4.0, help="minutes")
    parser.add_argument("--freeze-seconds", type=float, default=10.0)
    opts = parser.parse_args()

    from docker.errors import DockerException

    from tests.integration.busybox_image import TEST_IMAGE, ensure_test_image
    from tests.integration.private_daemon import PrivateDaemon

    rng = random.Random(opts.seed)
    work = Path(tempfile.mkdtemp(prefix="fintui-soak-"))
    ctl = work / "ctl"
    ctl.mkdir()
    receiver = Receiver()
    receiver.start()
    config = work / "soak.toml"
    config.write_text(
        f'[ui]\nrefresh_interval = 2.0\n[paths]\nstate_dir = "{work / "state"}"\n'
        '[alerts]\nrestart_window = "5m"\ncrash_loop_restarts = 3\nresolve_after = "30s"\n'
        f'[[alerts.receivers]]\nname = "soak"\nurl = "http://127.0.0.1:{receiver.port}/hook"\n'
        'format = "alertmanager"\nseverities = ["info", "warning", "critical"]\n')
    daemon = PrivateDaemon()
    daemon.start()
    client = daemon.client()
    ensure_test_image(client)
    python = sys.executable
    print(f"soak: {opts.minutes:g} min against {daemon.url}; work dir {work}", flush=True)
    counter = 0
    checks: list[tuple[str, dict[str, Any]]] = []
    samples: dict[str, list[Sample]] = {"console": [], "collect": []}
    events: Counter[str] = Counter()
    try:
        with started([python, __file__, "--child", daemon.url, str(config), str(ctl)],
                     work / "console.log") as console, \
                started([python, "-m", "fintui", "--host", daemon.url, "--config", str(config),
                         "collect", "--interval", "2"], work / "collect.log") as collect:
            procs = {"console": psutil.Process(console.pid),
                     "collect": psutil.Process(collect.pid)}
            start = time.monotonic()
            end = start + opts.minutes * 60
            next_kill = start + opts.kill_every * 60
            next_freeze = start + opts.freeze_every * 60
            next_sample = start
            next_crasher = start
            churned: list[str] = []
            while time.monotonic() < end:
                now = time.monotonic()
                if any(p.poll() is not None for p in (console, collect)):
                    break
                if now >= next_sample:
                    for name, proc in procs.items():
                        with contextlib.suppress(psutil.Error):
                            samples[name].append(sample(proc, now - start))
                    next_sample = now + 10
                try:
                    if now >= next_crasher:  # a crash loop: fires, later removed, resolves
                        counter += 1
                        client.containers.run(TEST_IMAGE, ["sh", "-c", "sleep 4; exit 3"],
                                              name=f"soak-crash-{counter}", detach=True,
                                              network_mode="none",
                                              restart_policy={"Name": "always"})
                        for old in client.containers.list(all=True,
                                                          filters={"name": "soak-crash-"}):
                            if old.name != f"soak-crash-{counter}":
                                old.remove(force=True)
                        events["crash loops"] += 1
                        next_crasher = now + 6 * 60
                    counter += 1
                    name = f"soak-{counter}"
                    client.containers.run(TEST_IMAGE, ["sleep", str(rng.randint(20, 240))],
                                          name=name, detach=True, network_mode="none")
                    churned.append(name)
                    events["started"] += 1
                    while len(churned) > MAX_CHURNED:
                        victim = churned.pop(rng.randrange(len(churned)))
                        with contextlib.suppress(DockerException):
                            client.containers.get(victim).remove(force=True)
                            events["removed"] += 1
                except DockerException as exc:
                    events[f"docker error: {type(exc).__name__}"] += 1
                if now >= next_kill:
                    daemon.kill()
                    events["daemon kills"] += 1
                    time.sleep(rng.uniform(3, 12))
                    daemon.start()
                    next_kill = time.monotonic() + opts.kill_every * 60
                elif now >= next_freeze:
                    daemon.pause()
                    time.sleep(opts.freeze_seconds)
                    daemon.resume()
                    events["daemon freezes"] += 1
                    counter += 1
                    probe = f"soak-after-freeze-{counter}"
                    time.sleep(1)
                    with contextlib.suppress(DockerException):
                        client.containers.run(TEST_IMAGE, ["sleep", "120"], name=probe,
                                              detach=True, network_mode="none")
                        churned.append(probe)
                        checks.append(("after a freeze", ask_shown(ctl, counter,
                                                                   names_now(client))))
                    next_freeze = time.monotonic() + opts.freeze_every * 60
                time.sleep(rng.uniform(1, 5))
            # The end: churn stops; what exists must be shown within the bar.
            counter += 1
            time.sleep(1)
            checks.append(("at the end", ask_shown(ctl, counter, names_now(client))))
            time.sleep(45)  # resolve_after, and a retry or two for the last messages
            for name, proc in procs.items():
                with contextlib.suppress(psutil.Error):
                    samples[name].append(sample(proc, time.monotonic() - start))
            alive = {"console": console.poll() is None, "collect": collect.poll() is None}
            (ctl / "stop").touch()
            console.wait(30)
    finally:
        client.close()
        daemon.close()
    report(opts, work, alive, samples, checks, events, receiver)
    return 0


def report(opts: argparse.Namespace, work: Path, alive: dict[str, bool],
           samples: dict[str, list[Sample]], checks: list[tuple[str, dict[str, Any]]],
           events: Counter[str], receiver: Receiver) -> None:
    print(f"\n== soak of {opts.minutes:g} min (warm-up {opts.warmup:g} min): "
          + ", ".join(f"{k} {v}" for k, v in sorted(events.items())))
    for name, ok in alive.items():
        log = (work / f"{name}.log").read_text(errors="replace")
        crashed = "Traceback" in log
        print(f"{name}: {'running' if ok else 'EXITED'} at the end"
              + ("; TRACEBACK in its log" if crashed else ""))
        series = samples[name]
        warm = [s for s in series if s.at >= opts.warmup * 60]
        if not warm:
            continue
        # The anchor: the median of the first samples after warm-up (one sample can catch a
        # sweep's burst of connections).
        first = warm[:5]
        anchor = Sample(first[0].at, sorted(s.rss for s in first)[len(first) // 2],
                        sorted(s.fds for s in first)[len(first) // 2])
        last = warm[-1]
        peak_rss = max(s.rss for s in warm)
        peak_fds = max(s.fds for s in warm)
        print(f"  RSS  anchor {anchor.rss / 2**20:.1f} MiB · peak {peak_rss / anchor.rss:.2f}× "
              f"· end {last.rss / anchor.rss:.2f}×")
        print(f"  fds  anchor {anchor.fds} · peak {peak_fds / anchor.fds:.2f}× "
              f"· end {last.fds / anchor.fds:.2f}×")
    for what, result in checks:
        ok = result.get("seconds") is not None and result["seconds"] <= SHOWN_BAR \
            and not result["missing"] and not result["extra"]
        print(f"shown {what}: {result['seconds']} s (bar {SHOWN_BAR:g} s) "
              f"{'ok' if ok else 'MISSED'}"
              + (f"; missing {result['missing']}" if result["missing"] else "")
              + (f"; extra {result['extra']}" if result.get("extra") else ""))
    transitions = [json.loads(line) for line in
                   (work / "ctl" / "alerts.jsonl").read_text().splitlines() if line]
    wanted = [t for t in transitions if t["state"] in ("firing", "resolved")]
    keys = Counter(m["key"] for m in receiver.messages if m["key"])
    repeated = {k: n for k, n in keys.items() if n > 1}
    bodies = Counter(m["body"] for m in receiver.messages)
    print(f"alerts: {len(wanted)} firing/resolved transitions seen by the console; "
          f"{len(receiver.messages)} webhook messages received; "
          f"{len(repeated)} idempotency keys received more than once; "
          f"{sum(1 for n in bodies.values() if n > 1)} identical bodies received twice")
    undelivered = [t for t in wanted
                   if not any(t["target"] in m["body"] and t["state"] in m["body"]
                              for m in receiver.messages)]
    print(f"  transitions with no message naming their target and state: {len(undelivered)}"
          + (f" (first: {undelivered[:3]})" if undelivered else ""))
    print(f"work dir (logs, state): {work}")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        asyncio.run(console_child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])))
    else:
        sys.exit(main())
