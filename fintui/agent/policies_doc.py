"""The agent's answer to GET /v1/policies: each policy's state and the approval requests, as
JSON (every field of fintui.core.policy_rows' rows). A state database that cannot be read
leaves the requests out and says why in "problem": the policies are still worth showing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fintui.core.policy_rows import ApprovalRow
from fintui.core.policy_view import rows_document
from fintui.store.db import StateUnavailable

if TYPE_CHECKING:
    from fintui.watch.watch import Watch


def policies_document(watch: Watch) -> dict[str, Any]:
    problem = ""
    approvals: list[ApprovalRow] = []
    try:
        approvals = watch.approval_rows()
    except StateUnavailable as exc:
        problem = f"the approval requests cannot be read: {exc}"
    document = rows_document(watch.policy_rows(), approvals)
    if problem:
        document["problem"] = problem
    return document
