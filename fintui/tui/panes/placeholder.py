"""A pane whose feature has not landed yet: says so plainly instead of showing nothing."""

from __future__ import annotations

from textual.widgets import Static

from fintui.tui.widgets.safe import safe_block


class PlaceholderPane(Static):
    DEFAULT_CSS = """
    PlaceholderPane { height: 1fr; content-align: center middle; color: $text-muted; }
    """

    def __init__(self, what: str, issue: str, id: str | None = None) -> None:
        super().__init__(safe_block(f"{what}\n\nThis pane arrives with its own issue: {issue}."),
                         id=id)
