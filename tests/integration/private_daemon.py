"""A throwaway dockerd of the tests' own: its own socket, data root and network namespace, so
killing, stopping and restarting it never touches the engineer's daemon or its networks.

(Never start a second dockerd with `--bridge none` in the host's network namespace: it deletes
the host's docker0 bridge.)"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import psutil
from docker.errors import DockerException

from tests.integration.busybox_image import TEST_IMAGE, ensure_test_image
from tests.integration.conftest import unavailable


@contextlib.contextmanager
def started_daemon() -> Iterator[PrivateDaemon]:
    """A started private daemon with the test image; closed and cleaned up afterwards."""
    reason = PrivateDaemon.missing()
    if reason:
        unavailable(reason)
    d = PrivateDaemon()
    try:
        d.start()
        client = d.client()
        ensure_test_image(client)
        client.close()
        yield d
    finally:
        d.close()


@contextlib.contextmanager
def daemon_with_probe(name: str, labels: dict[str, str] | None = None
                      ) -> Iterator[PrivateDaemon]:
    """A started private daemon running one sleeping container `name` (restart=always, so it
    is back after the daemon restarts); closed and cleaned up afterwards."""
    with started_daemon() as d:
        client = d.client()
        client.containers.run(TEST_IMAGE, ["sleep", "600"], name=name, detach=True,
                              network_mode="none", labels=labels or {},
                              restart_policy={"Name": "always"})
        client.close()
        yield d


class PrivateDaemon:
    def __init__(self) -> None:
        # Short path: unix socket paths are limited to about 100 bytes.
        self.dir = Path(tempfile.mkdtemp(prefix="fintui-d-", dir="/tmp"))
        self.url = f"unix://{self.dir}/d.sock"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = self.dir / "dockerd.log"

    @staticmethod
    def missing() -> str | None:
        if os.geteuid() != 0:
            return "a private dockerd needs root"
        for tool in ("dockerd", "unshare"):
            if shutil.which(tool) is None:
                return f"{tool} is not installed"
        return None

    def start(self, timeout: float = 30) -> None:
        self._stop_orphaned_containerd()
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                ["unshare", "--net", "dockerd", "--host", self.url,
                 "--data-root", str(self.dir / "data"), "--exec-root", str(self.dir / "x"),
                 "--pidfile", str(self.dir / "pid"), "--iptables=false", "--ip-masq=false"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"private dockerd exited: {self.log.read_text()[-2000:]}")
            try:
                client = docker.DockerClient(base_url=self.url, timeout=2)
                client.ping()
                client.close()
                return
            except DockerException:
                time.sleep(0.1)
        raise RuntimeError(f"private dockerd did not answer in {timeout}s")

    def _stop_orphaned_containerd(self) -> None:
        """A killed dockerd leaves its containerd running, holding the state a restarted one
        needs (the restart then times out). Stop it, as a host's service manager would; the
        shims, and the containers under them, stay."""
        for proc in psutil.process_iter(["name", "cmdline"]):
            if proc.info["name"] == "containerd" and str(self.dir) in " ".join(
                    proc.info["cmdline"] or []):
                with contextlib.suppress(psutil.NoSuchProcess):
                    proc.terminate()
                    try:
                        proc.wait(timeout=10)
                    except psutil.TimeoutExpired:
                        proc.kill()

    def client(self) -> docker.DockerClient:
        return docker.DockerClient(base_url=self.url, timeout=30)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        """A clean shutdown, as `systemctl stop docker`: containers stop, containerd exits."""
        assert self.proc is not None
        self.proc.terminate()
        self.proc.wait(timeout=60)

    def pause(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGCONT)

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.resume()
            try:  # containers first: a daemon with none left shuts down at once
                client = docker.DockerClient(base_url=self.url, timeout=10)
                for container in client.containers.list(all=True):
                    container.remove(force=True)
                client.close()
            except DockerException:
                pass
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        # containerd, its shims and the containers under them (left behind when the daemon was
        # killed): found by our unique directory in the shims' command lines, nothing else.
        for proc in psutil.process_iter(["cmdline"]):
            if str(self.dir) in " ".join(proc.info["cmdline"] or []):
                for child in [*proc.children(recursive=True), proc]:
                    with contextlib.suppress(psutil.NoSuchProcess):
                        child.kill()
        self._unmount()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _unmount(self) -> None:
        """dockerd bind-mounts its data root and overlays under it; undo ours, deepest first."""
        with open("/proc/self/mounts", encoding="utf-8") as mounts:
            points = [line.split()[1] for line in mounts]
        for point in sorted((p for p in points if p.startswith(f"{self.dir}/")), key=len,
                            reverse=True):
            subprocess.run(["umount", "-l", point], capture_output=True, check=False)
