"""What GPUs a container asked for, from its inspect document (sources/engine_gpu.py)."""

from __future__ import annotations

from fintui.sources.engine_gpu import requested_gpus


def test_requests() -> None:
    assert requested_gpus({"HostConfig": {"DeviceRequests": [
        {"Driver": "", "Count": -1, "Capabilities": [["gpu"]]}]}}) == "all"
    assert requested_gpus({"HostConfig": {"DeviceRequests": [
        {"Driver": "nvidia", "DeviceIDs": ["0", "2"]}]}}) == "0,2"
    assert requested_gpus({"HostConfig": {"DeviceRequests": [
        {"Driver": "nvidia", "Count": 2}]}}) == "2 GPU(s)"
    assert requested_gpus({"Config": {"Env": ["NVIDIA_VISIBLE_DEVICES=1"]}}) == "1"
    assert requested_gpus({"Config": {"Env": ["NVIDIA_VISIBLE_DEVICES=void"]}}) == ""
    assert requested_gpus({}) == ""
