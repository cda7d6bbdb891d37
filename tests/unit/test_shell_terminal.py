"""A shell owns the terminal until it ends: a key that cancels the console's flow meanwhile
must not give the terminal back to the console while the shell still reads it."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from fintui.tui.container_flows import in_terminal


class Console:
    """What in_terminal needs of the App: suspend(), and when it gave the terminal back."""

    def __init__(self) -> None:
        self.resumed_at: float | None = None

    @contextlib.contextmanager
    def suspend(self) -> Iterator[None]:
        try:
            yield
        finally:  # as Textual's: the console comes back however the block ends
            self.resumed_at = time.monotonic()


async def test_a_cancelled_flow_waits_for_the_shell_before_the_console_comes_back() -> None:
    console = Console()
    ended: list[float] = []
    started = threading.Event()

    def shell() -> int:
        started.set()
        time.sleep(0.5)  # the operator still types in it
        ended.append(time.monotonic())
        return 0

    app: Any = console
    task = asyncio.ensure_future(in_terminal(app, shell))
    await asyncio.to_thread(started.wait)
    task.cancel()  # a later key cancelled the flow
    with pytest.raises(asyncio.CancelledError):
        await task
    assert ended, "the console came back while the shell still ran"
    assert console.resumed_at is not None and console.resumed_at >= ended[0]
