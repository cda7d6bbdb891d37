"""[keys]: rebinding, and every way a keymap can be wrong, said in words before start."""

from __future__ import annotations

import pytest

from fintui.core.keymap import KeymapError, KeySpec, resolve
from fintui.tui.app import FintuiApp
from fintui.tui.keys import binding_table, console_keymap, normalise_key

SPECS = [
    KeySpec("app.quit", ("q",), "App", "Quit"),
    KeySpec("pane.scale", ("s",), "Pane", "Scale"),
    KeySpec("pane.isolate", ("i",), "Pane", "Isolate"),
    KeySpec("pane.details", ("enter",), "Pane", "Details"),
    KeySpec(None, ("enter",), "Table", "Select"),
    KeySpec(None, ("down",), "Table", "Cursor down"),
    KeySpec("logs.search", ("s",), "Logs", "Search"),
]
CHAINS = {"the pane": ("App", "Pane", "Table"), "the log viewer": ("App", "Logs")}


def _resolve(keymap: dict[str, str]) -> dict[str, tuple[str, ...]]:
    return resolve(SPECS, CHAINS, keymap, normalise_key)


def test_defaults_that_overlap_on_purpose_are_not_clashes() -> None:
    assert _resolve({})["pane.details"] == ("enter",)  # pane and table both use enter


def test_a_moved_key_is_used_and_keys_are_normalised() -> None:
    final = _resolve({"pane.isolate": "I", "app.quit": "ctrl+Q,/"})
    assert final["pane.isolate"] == ("I",)
    assert final["app.quit"] == ("ctrl+q", "slash")


def test_a_key_used_in_another_chain_is_not_a_clash() -> None:
    # `s` scales in the pane and searches in the log viewer: never live together.
    assert _resolve({"logs.search": "i"})["logs.search"] == ("i",)


def test_a_clash_names_both_bindings_and_where() -> None:
    with pytest.raises(KeymapError) as caught:
        _resolve({"pane.isolate": "s"})
    assert caught.value.problems == [
        "'s' is bound to both pane.isolate (Isolate) and pane.scale (Scale) in the pane"]


def test_a_clash_with_a_built_in_key_is_named_too() -> None:
    with pytest.raises(KeymapError, match="Table's built-in key \\(Cursor down\\)"):
        _resolve({"pane.scale": "down"})


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(KeymapError) as caught:
        _resolve({"pane.scael": "x", "app.quit": "ctrl+", "pane.details": " , "})
    problems = caught.value.problems
    assert len(problems) == 3
    assert "'pane.scael' is not a binding id (did you mean 'pane.scale'?)" in problems[0]
    assert "'ctrl+' is not a key name" in problems[1]
    assert "no key given" in problems[2]


@pytest.mark.parametrize(("written", "name"), [
    ("x", "x"), ("X", "X"), ("/", "slash"), ("?", "question_mark"), ("ctrl+X", "ctrl+x"),
    ("F5", "f5"), ("slash", "slash"), ("-", "minus"), ("shift+tab", "shift+tab"),
    ("nosuchkey", None), ("hyper+", None), ("cmd+x", None), (" ", None),
])
def test_key_names(written: str, name: str | None) -> None:
    assert normalise_key(written) == name


def test_the_console_rejects_a_clash_with_its_real_bindings() -> None:
    with pytest.raises(KeymapError, match=r"'s' is bound to both containers.isolate .* and "
                                          r"containers.scale .* in the Containers pane"):
        console_keymap(FintuiApp, {"containers.isolate": "s"})
    with pytest.raises(KeymapError, match=r"'j' is bound to both app.quit .* and move.down"):
        console_keymap(FintuiApp, {"app.quit": "j"})


def test_every_action_of_the_console_has_a_binding_id() -> None:
    ids = {row[0] for row in binding_table(FintuiApp, {})}
    assert {"containers.scale", "containers.isolate", "containers.release", "volumes.clean",
            "alerts.ack", "alerts.silence", "app.help", "app.quit", "move.down",
            "move.last"} <= ids


def test_fintui_keys_speaks_in_keys_and_places_not_in_code_names() -> None:
    rows = {ident: (keys, where) for ident, keys, where, _what in binding_table(FintuiApp, {})}
    assert rows["app.help"] == ("?", "everywhere")
    assert rows["containers.filter"][0] == "/"
    assert rows["volumes.next_section"][0] == "]"
    assert rows["confirm.no"] == ("n, escape", "confirmation")
    assert rows["cleanup.toggle"][1] == "cleanup preview"
    assert rows["move.down"][1] == "container details, lists, log viewer"
    for keys, where in rows.values():
        assert not any(word in keys for word in ("question_mark", "slash", "square_bracket"))
        assert "Screen" not in where and "Nav" not in where
        assert "here" not in where.split(", ")
