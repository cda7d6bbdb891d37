"""Which endpoint the console shows when several are configured: all, or one. Pure."""

from __future__ import annotations

from collections.abc import Sequence


def next_view(current: str, names: Sequence[str], with_all: bool = True) -> str:
    """The view after `current` ("" is every endpoint). A pane that shows one daemon at a time
    (storage) steps through the endpoints only, from the one it shows."""
    if not names:
        return ""
    options = ["", *names] if with_all else list(names)
    if current not in options:  # storage coming from "all" shows the first endpoint
        current = options[0]
    return options[(options.index(current) + 1) % len(options)]


def on_endpoint(target: str, endpoint: str) -> bool:
    """Whether an alert's target belongs to the view: a container's target ends with
    `@endpoint` when there are several; a target with no endpoint is everyone's (a host)."""
    if not endpoint or "@" not in target:
        return True
    return target.rsplit("@", 1)[1] == endpoint
