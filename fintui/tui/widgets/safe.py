"""The one door for untrusted text into widgets: escapes made visible, markup never parsed."""

from __future__ import annotations

from rich.text import Text

from fintui.core.text_safety import one_line, visible


def safe(text: str, style: str = "", limit: int = 0) -> Text:
    """Literal text for a Label, Static, DataTable cell, Tree node or OptionList prompt.

    A rich Text is rendered as it is: `[bold]` or `[@click=app.quit]` stays characters."""
    return Text(one_line(text, limit), style=style, no_wrap=True, end="")


def safe_block(text: str, style: str = "") -> Text:
    """Multi-line literal text: each line made visible, the line breaks kept."""
    return Text("\n".join(visible(line, keep_tabs=True) for line in text.split("\n")),
                style=style, end="")


def safe_line(text: str) -> str:
    """For plain-string widgets that do not parse markup (Log): escapes made visible."""
    return visible(text, keep_tabs=True)
