"""The indented lines `fintui audit show` prints under a record: what an act changed (or left
half done), what a clean removed, skipped and failed, what the operator left out of it, and
how a shell ended. Pure: the log is read in fintui.ops.audit."""

from __future__ import annotations

from typing import Any

from fintui.core.text_safety import one_line


def _items(value: Any, why: str = "") -> str:
    """`kind name (why)` for each item (a clean's objects have a kind; a container act's
    skipped entries only a name, printed without a placeholder)."""
    if not isinstance(value, list):
        return ""
    return ", ".join(" ".join(str(part) for part in (i.get("kind"), i.get("name", "?"))
                              if part)
                     + (f" ({i[why]})" if why and i.get(why) else "")
                     for i in value if isinstance(i, dict))


def _shell(parameters: dict[str, Any], result: dict[str, Any]) -> str:
    """A shell's end: which shell, on which endpoint, its exit code and when it ended."""
    where = " on ".join(str(parameters[key]) for key in ("shell", "endpoint_url")
                        if parameters.get(key))
    code = f"exit {result['exit_code']}" if "exit_code" in result else ""
    ended = f"ended {result['ended']}" if result.get("ended") else ""
    return ", ".join(part for part in (where, code, ended) if part)


def _request(record: dict[str, Any]) -> str:
    """An approval request's number, who asked and who decided (four eyes: both named)."""
    if "request" not in record:
        return ""
    parts = [f"#{record['request']}"]
    if record.get("requester"):
        parts.append(f"asked by {record['requester']}")
    if record.get("approver"):
        parts.append(f"approved by {record['approver']}")
    if record.get("rejected_by"):
        parts.append(f"rejected by {record['rejected_by']}")
    if record.get("why") and record.get("outcome") in ("pending", "proposed"):
        parts.append(f"because {record['why']}")
    return ", ".join(str(p) for p in parts)


def details(record: dict[str, Any]) -> list[str]:
    """Indented lines under a record (none for a record with nothing more to say)."""
    def table(name: str) -> dict[str, Any]:
        value = record.get(name)
        return value if isinstance(value, dict) else {}

    result, parameters = table("result"), table("parameters")
    lines = []
    for label, text in (
            ("request", _request(record)),
            # What made a policy act (the alert and the limit that held), in its words.
            ("why", str(parameters.get("why") or "")),
            ("bundle", str(result.get("bundle") or "")),
            ("shell", _shell(parameters, result) if record.get("action") == "shell" else ""),
            ("left out by the operator", _items(parameters.get("left_out"))),
            ("removed", _items(result.get("removed"))),
            ("skipped", _items(result.get("skipped"), "reason")),
            ("could not remove", _items(result.get("failed"), "error")),
            # A clean's removals are listed above (as objects); every other act, a compose
            # scale's removals included (as names), lists each change it made.
            ("changed", "" if _items(result.get("removed")) else "; ".join(
                map(str, result.get("done") or []))),
            ("no answer to", str(result.get("unanswered") or ""))):
        if text:
            lines.append(one_line(f"    {label}: {text}"))
    return lines
