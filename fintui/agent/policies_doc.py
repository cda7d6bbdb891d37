"""The agent's answer to GET /v1/policies: each policy's state and the approval requests, as
JSON. PRE-WIRED SKELETON: the policies view work fills it in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fintui.watch.watch import Watch


def policies_document(watch: Watch) -> dict[str, Any]:
    return {"policies": [], "approvals": []}
