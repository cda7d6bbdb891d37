"""A Textual line filter that draws the whole screen, Textual's own parts included, with the
Linux console's glyphs (see core/console_glyphs)."""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from fintui.core.console_glyphs import to_console


class ConsoleGlyphs(LineFilter):
    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [segment if segment.control else Segment(to_console(segment.text),
                                                        segment.style, None)
                for segment in segments]
