"""Make untrusted text (names, labels, log lines, env, daemon errors) inert for a terminal.

Control characters, C1 bytes, bidi overrides and other invisible format characters are made
visible as escapes (`\\x1b`, `\\u202e`), so no escape sequence from a container reaches the
terminal and no text can pretend to be something else. Markup safety is the job of the
TUI wrapper, which never parses these strings as markup.
"""

from __future__ import annotations

import unicodedata

# Bidi controls and zero-width characters that can reorder or hide what an operator reads.
_FORMAT_SUSPECTS = frozenset(
    "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2066\u2067\u2068\u2069\ufeff"
)


def _escape(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def visible(text: str, *, keep_tabs: bool = False) -> str:
    """Return `text` with every control or format character shown as an escape."""
    if text.isprintable():  # fast path: most names and log lines
        return text
    out: list[str] = []
    for ch in text:
        if ch == "\t" and keep_tabs:
            out.append("    ")
            continue
        code = ord(ch)
        category = unicodedata.category(ch)
        if (
            code < 0x20
            or 0x7F <= code <= 0x9F
            or ch in _FORMAT_SUSPECTS
            or category in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")
        ):
            out.append(_escape(ch))
        else:
            out.append(ch)
    return "".join(out)


def one_line(text: str, limit: int = 0) -> str:
    """`visible`, flattened to one line (newlines shown as \\n) and cut to `limit` characters."""
    shown = visible(text)
    if limit and len(shown) > limit:
        return shown[: max(limit - 1, 0)] + "…"
    return shown
