"""No colour at all while a colourless theme (mono) is active: for NO_COLOR, TERM=dumb and
`--theme mono`. Textual's own NO_COLOR filter turns colours into greys (still 24-bit codes);
this one leaves only the terminal's default colours and says with reverse video what the
theme painted light on dark, so a cursor row, a selected tab or a scroll bar still shows."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.filter import LineFilter

if TYPE_CHECKING:
    from textual.app import App

DEFAULT = RichColor.default()


def _brightness(color: RichColor | None, default: float) -> float:
    """0 (black) to 1 (white); `default` for the terminal's own colour."""
    if color is None or color.is_default:
        return default
    red, green, blue = color.get_truecolor()
    return (0.299 * red + 0.587 * green + 0.114 * blue) / 255


@lru_cache(4096)
def colourless_style(style: Style) -> Style:
    """The style with the terminal's default colours, no dim, and reverse video where the
    cell was lighter behind than in front (the colourless themes are dark)."""
    front = _brightness(style.color, 1.0)
    back = _brightness(style.bgcolor, 0.0)
    if style.reverse:
        front, back = back, front
    return style + Style(color=DEFAULT, bgcolor=DEFAULT, dim=False, reverse=back > front)


class Colourless(LineFilter):
    """A line filter: every colour becomes the terminal's default."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [segment if segment.control or segment.style is None
                else Segment(segment.text, colourless_style(segment.style), None)
                for segment in segments]


COLOURLESS = Colourless()


def is_colourless(app: App[Any]) -> bool:
    """Whether the console shows no colour: its theme is colourless, or NO_COLOR is set
    (with a theme named on the command line Textual would still paint greys)."""
    if app.no_color:
        return True
    files = getattr(app, "theme_files", {})
    item = files.get(app.theme)
    return bool(getattr(item, "colourless", False))
