"""Loads theme files (TOML) from the shipped themes/ folder into Textual themes."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from textual.theme import Theme

_FIELDS = ("primary", "secondary", "warning", "error", "success", "accent", "foreground",
           "background", "surface", "panel", "boost")


def themes_dir() -> Path:
    packaged = resources.files("fintui").joinpath("_data/themes")
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent.parent / "themes"


def load_themes(folder: Path | None = None) -> list[Theme]:
    out = []
    for path in sorted((folder or themes_dir()).glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        colours: dict[str, str | None] = {k: str(data[k]) if k in data else None
                                          for k in _FIELDS}
        out.append(Theme(name=str(data["name"]), dark=bool(data.get("dark", True)),
                         primary=str(data["primary"]), secondary=colours["secondary"],
                         warning=colours["warning"], error=colours["error"],
                         success=colours["success"], accent=colours["accent"],
                         foreground=colours["foreground"], background=colours["background"],
                         surface=colours["surface"], panel=colours["panel"],
                         boost=colours["boost"]))
    return out


def stylesheet_path() -> Path:
    return themes_dir() / "fintui.tcss"
