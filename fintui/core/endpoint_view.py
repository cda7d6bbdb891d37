"""Which endpoint the console shows when several are configured: all, or one. Pure."""

from __future__ import annotations

from collections.abc import Sequence


def next_view(current: str, names: Sequence[str], with_all: bool = True) -> str:
    """The view after `current` ("" is every endpoint). A pane that shows one daemon at a time
    (storage) steps through the endpoints only, from the one it shows."""
    if not names:
        return ""
    options = ["", *names] if with_all else list(names)
    here = current if current in options else options[0] if with_all else names[0]
    if not with_all and current not in options:  # coming from "all": the one it shows next
        return names[1 % len(names)]
    return options[(options.index(here) + 1) % len(options)]


def on_endpoint(target: str, endpoint: str) -> bool:
    """Whether an alert's target belongs to the view: a container's target ends with
    `@endpoint` when there are several; a target with no endpoint is everyone's (a host)."""
    if not endpoint or "@" not in target:
        return True
    return target.rsplit("@", 1)[1] == endpoint
