"""The integration tests' image, made from the host's static busybox: no registry needed.

`python -m tests.integration.busybox_image` makes it ahead of a run (.ci/run does)."""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
from pathlib import Path

import docker
from docker.errors import NotFound

TEST_IMAGE = "fintui-test/busybox:latest"
APPLETS = ("sh", "sleep", "echo", "printf", "cat", "true", "false", "yes", "ls", "seq")


class MissingBusybox(Exception):
    pass


def ensure_test_image(dc: docker.DockerClient) -> bool:
    """Import the image unless it exists; True when it was made now."""
    try:
        dc.images.get(TEST_IMAGE)
        return False
    except NotFound:
        pass
    busybox = shutil.which("busybox")
    if busybox is None:
        raise MissingBusybox("no busybox binary to build the test image "
                             "(apt-get install busybox-static)")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        (root / "bin").mkdir(parents=True)
        shutil.copy2(busybox, root / "bin" / "busybox")
        for applet in APPLETS:
            (root / "bin" / applet).symlink_to("busybox")
        archive = Path(tmp) / "root.tar"
        with tarfile.open(archive, "w") as tar:
            tar.add(root, arcname=".")
        repository, tag = TEST_IMAGE.rsplit(":", 1)
        dc.api.import_image_from_file(str(archive), repository=repository, tag=tag,
                                      changes=["LABEL fintui.test=true"])
    return True


if __name__ == "__main__":
    client = docker.DockerClient(base_url=os.environ.get("DOCKER_HOST")
                                 or "unix:///var/run/docker.sock")
    made = ensure_test_image(client)
    print(f"{TEST_IMAGE}: {'imported' if made else 'present'}")
