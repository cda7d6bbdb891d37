"""The verbs that read settings or history, not the cluster: `forecast`, `keys` and
`config check`."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from fintui.cli_common import EXIT_OK, EXIT_USAGE, error
from fintui.config import ConfigError, Settings, check_file, load_settings
from fintui.core.keymap import KeymapError
from fintui.core.text_safety import one_line
from fintui.wiring import Parts, UsageError

if TYPE_CHECKING:

    pass


def forecast_csv(args: argparse.Namespace, settings: Settings) -> int:
    from fintui.core.forecast import forecast_with_expansion
    from fintui.core.forecast_report import (
        forecast_document,
        forecast_text,
        parse_history_csv,
        parse_size,
    )
    from fintui.watch.forecasting import forecast_rules

    if not args.capacity:
        raise UsageError("forecast --history needs --capacity BYTES")
    try:
        capacity = parse_size(args.capacity)
    except ValueError as exc:
        raise UsageError(f"--capacity: {exc}") from None
    try:
        with open(args.history, encoding="utf-8") as handle:
            points = parse_history_csv(handle.read())
    except OSError as exc:
        raise UsageError(f"--history {args.history}: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"--history {args.history}: {exc}") from None
    result = forecast_with_expansion(args.history, "series", points, float(capacity),
                                     forecast_rules(settings.forecast))
    if args.json:
        print(json.dumps(forecast_document(result), indent=2))
    else:
        print("\n".join(one_line(line) for line in forecast_text(result)))
    return EXIT_OK


def forecast_history(parts: Parts, as_json: bool) -> int:
    from fintui.core.forecast_report import forecast_document, full_in
    from fintui.core.format import human_bytes
    from fintui.watch.forecasting import forecast_all, forecast_rules

    store = parts.open_history()
    results = forecast_all(store, forecast_rules(parts.settings.forecast))
    if as_json:
        print(json.dumps([forecast_document(r.forecast) for r in results], indent=2))
        return EXIT_OK
    if not results:
        print(f"no history yet in {store.path}: run the console or `fintui collect`")
        return EXIT_OK
    for r in results:
        f = r.forecast
        flag = ("EXPAND " if f.expand else "") + f.severity.upper()
        print(one_line(f"{f.target[:40]:<40} {human_bytes(f.used_bytes):>8} / "
                       f"{human_bytes(f.capacity_bytes):>8}  {full_in(f):<22} {flag}"))
    return EXIT_OK


def keymap_error(settings: Settings, exc: KeymapError) -> int:
    for problem in exc.problems:  # every problem at once, one line each
        error(f"config error: {settings.source_file or 'defaults'}: [keys] {problem}",
               EXIT_USAGE)
    return EXIT_USAGE


def keys_verb(settings: Settings) -> int:
    from fintui.tui.app import FintuiApp
    from fintui.tui.keys import binding_table

    try:
        rows = binding_table(FintuiApp, settings.keys)
    except KeymapError as exc:
        return keymap_error(settings, exc)
    # Columns as wide as what they hold; where a key works comes last, the longest cell.
    table = [("ID", "KEYS", "WHAT", "WHERE"),
             *((ident, keys, what, where) for ident, keys, where, what in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
              + "  " + row[3])
    return EXIT_OK


def _check_theme(settings: Settings) -> None:
    """ui.theme names a theme that exists (shipped, or a file in the user's themes folder);
    the console would refuse to start with any other."""
    import contextlib
    from pathlib import Path

    from fintui.config import find_key_line
    from fintui.tui.theme_loader import load_themes

    themes, _unusable = load_themes()
    name = settings.ui.theme
    if name in themes:
        return
    source = settings.source_file
    line = None
    # Read a moment ago; should it fail now, the message still names the key.
    with contextlib.suppress(OSError, UnicodeDecodeError):
        line = find_key_line(Path(source).read_text(encoding="utf-8"), "ui.theme") \
            if source else None
    raise ConfigError(source or "<default.toml>", f"unknown theme {name!r}; available: "
                      + ", ".join(sorted(themes)), "ui.theme", line)


def config_check(args: argparse.Namespace) -> int:
    path = args.path or args.config
    settings = check_file(path) if path else load_settings(None)
    _check_theme(settings)
    if settings.keys:  # key names and clashes need the console's bindings
        from fintui.tui.app import FintuiApp
        from fintui.tui.keys import console_keymap

        try:
            console_keymap(FintuiApp, settings.keys)
        except KeymapError as exc:
            return keymap_error(settings, exc)
    print(f"{settings.source_file or 'built-in defaults'}: OK")
    return EXIT_OK
