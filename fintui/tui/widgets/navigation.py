"""Vim-style movement (j/k, g/G) beside the arrows, for every table, log and tree. The
binding ids are shared, so one [keys] entry moves the key everywhere."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.widgets import DataTable, Log, Tree


def vim_bindings(down: str, up: str, top: str, bottom: str) -> list[BindingType]:
    return [
        Binding("j", down, "Down", show=False, id="move.down"),
        Binding("k", up, "Up", show=False, id="move.up"),
        Binding("g", top, "First", show=False, id="move.first"),
        Binding("G", bottom, "Last", show=False, id="move.last"),
    ]


class NavTable(DataTable[Text]):
    BINDINGS = vim_bindings("cursor_down", "cursor_up", "scroll_top", "scroll_bottom")


class NavLog(Log):
    BINDINGS = vim_bindings("scroll_down", "scroll_up", "scroll_home", "scroll_end")


class NavTree(Tree[Any]):
    BINDINGS = vim_bindings("cursor_down", "cursor_up", "scroll_home", "scroll_end")


def bound_id(node: DOMNode, key: str) -> str | None:
    """The id of the binding `key` reaches on `node`, after the operator's keymap (enabled or
    not: a viewer's greyed-out action key still has to be recognised)."""
    active = node.screen.active_bindings.get(key)
    return active.binding.id if active is not None and active.node is node else None
