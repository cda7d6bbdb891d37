"""The key name of a typed character, as an operator writes it in [keys]: our own table, no
private Textual function, and the names Textual's bindings and footer understand."""

from __future__ import annotations

import string

import pytest
from textual.keys import format_key

from fintui.core.keymap import character_key
from fintui.tui.keys import normalise_key


@pytest.mark.parametrize(("character", "name"), [
    ("a", "a"), ("G", "G"), ("5", "5"), ("/", "slash"), ("?", "question_mark"),
    ("-", "minus"), ("+", "plus"), ("@", "at"), ("\\", "backslash"), ("_", "underscore"),
    ("!", "exclamation_mark"), ("[", "left_square_bracket"), ("\t", "tab"), ("é", "é")])
def test_a_character_has_the_key_name_textual_gives_it(character: str, name: str) -> None:
    assert character_key(character) == name


@pytest.mark.parametrize("character", [c for c in string.printable if not c.isspace()])
def test_every_printable_key_name_leads_back_to_its_character(character: str) -> None:
    # Textual's public inverse (what its footer shows for the binding): the character again.
    assert format_key(character_key(character)) == character


def test_keymap_entries_are_normalised_with_it() -> None:
    assert normalise_key("/") == "slash"
    assert normalise_key("ctrl+/") == "ctrl+slash"
    assert normalise_key("?") == "question_mark"
    assert normalise_key("Ctrl+X") == "ctrl+x"
