"""The header line on every screen: where the data comes from, whether it is live, the host."""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget

from fintui.core.format import human_bytes
from fintui.core.text_safety import one_line
from fintui.model import ClusterSnapshot

Part = str | tuple[str, str]
# The daemon answers but its events stream does not flow: changes show a refresh late.
EVENTS_BEHIND: Part = (" · events behind", "bold $warning")


def status_parts(snap: ClusterSnapshot | None, read_only: bool, actor: str,
                 firing: dict[str, int] | None = None, via: Part = "") -> list[Part]:
    """The header as (text, style) parts; styles name theme variables, never fixed colours.
    Every untrusted string passes through one_line and is never parsed as markup."""
    parts: list[Part] = [(" fintui ", "bold reverse $primary")]
    if snap is None:
        return [*parts, "  connecting…"]
    src = snap.source
    if snap.endpoints:
        parts += endpoint_parts(snap)
    elif src.connected:
        parts += [("  ● live ", "bold $success"), one_line(src.endpoint, 40)]
        if src.events_behind:
            parts.append(EVENTS_BEHIND)
    else:
        parts += [(" ✕ DISCONNECTED ", "bold reverse $error"),
                  (f" {one_line(src.error, 90)} — retrying", "$error")]
        if snap.stale:
            parts.append((f"  STALE since {snap.taken_at:%H:%M:%S}", "bold $warning"))
    if via:  # through the agent, or why not: whether pages go out depends on it
        parts.append(via)
    # Firing alerts come first after the source: the desk must see trouble at a glance.
    for severity, style in (("critical", "bold reverse $error"), ("warning", "bold $warning")):
        count = (firing or {}).get(severity, 0)
        if count:
            parts.append((f"  ▲ {count} {severity} ", style))
    # Who is acting, and whether they may, matters more than the host numbers: before them.
    if read_only:
        parts.append(("  READ-ONLY", "bold $warning"))
    parts.append((f"  as {one_line(actor, 16)}", "dim"))
    host = snap.host
    if host is not None and not host.error:
        parts.append(f"  │ {one_line(host.hostname, 24)} cpu {host.cpu_percent:.0f}%"
                     f" mem {human_bytes(host.mem_used_bytes)}/"
                     f"{human_bytes(host.mem_total_bytes)} load {host.load[0]:.1f}")
        parts += [f"  {one_line(fs.path, 30)} {fs.percent:.0f}%" for fs in host.filesystems[:1]]
    elif host is not None:
        parts.append((f"  │ host: {one_line(host.error, 40)}", "$warning"))
    if src.connected and src.engine_version and not snap.endpoints:
        parts.append((f"  engine {one_line(src.engine_version, 24)}", "dim"))
    return parts


def endpoint_parts(snap: ClusterSnapshot) -> list[Part]:
    """Each endpoint's own state, in the configured order; a down one says why and since
    when its rows are old."""
    parts: list[Part] = []
    for ep in snap.endpoints:
        name = one_line(ep.name, 24)
        # Two endpoints that reach one daemon: its rows are listed under the other one.
        same = [(f" = {one_line(ep.same_as, 24)}", "dim")] if ep.same_as else []
        if ep.connected:
            parts += [("  ● ", "bold $success"), name, *same]
            if ep.events_behind:
                parts.append(EVENTS_BEHIND)
            continue
        parts += [("  ✕ ", "bold $error"), (f"{name} DOWN", "bold reverse $error"), *same,
                  (f" {one_line(ep.error, 60)} — retrying", "$error")]
        if ep.since is not None:
            parts.append((f" STALE since {ep.since:%H:%M:%S}", "bold $warning"))
    return parts


def fold(parts: list[Part], width: int, lines: int = 2) -> list[list[Part]]:
    """The header's items on at most `lines` lines of `width` cells: an item (a part that
    starts with two spaces, and the parts after it up to the next) is never split. Items
    stay in order; those that fit on no line are left out whole (the engine's version first,
    as it comes last), never cut mid-word. An item wider than a whole line (a long error)
    goes on where it is, cut (…), and what follows it starts the next line."""
    items: list[list[Part]] = []
    for part in parts:
        if not items or _text(part).startswith("  "):
            items.append([part])
        else:
            items[-1].append(part)
    out: list[list[Part]] = [[]]
    used = 0
    for item in items:
        if out[-1] and _width(item) > width and len(out) < lines:
            out[-1].extend(item)  # too wide for any line: shown cut (…) where it stands
            used = width
            continue
        if out[-1] and used + _width(item) > width:
            if len(out) == lines:
                continue  # no room left on any line: this item is left out whole
            out.append([])
            used = 0
            item = [_indent(item[0]), *item[1:]]  # one cell in, as the first line begins
        out[-1].extend(item)
        used += _width(item)
    return out


def _text(part: Part) -> str:
    return part if isinstance(part, str) else part[0]


def _width(item: list[Part]) -> int:
    return sum(cell_len(_text(p)) for p in item)


def _indent(part: Part) -> Part:
    text = " " + _text(part).lstrip(" ")
    return text if isinstance(part, str) else (text, part[1])


class StatusBar(Widget):
    """The header: one line where it fits; at 80 columns the host's numbers fold onto a
    second line rather than being cut to `│ d…`."""

    DEFAULT_CSS = """
    StatusBar { height: auto; background: $panel; color: $foreground; text-wrap: nowrap;
                text-overflow: ellipsis; }
    """

    _parts: list[Part] | None = None
    _lines = 0

    def show(self, snap: ClusterSnapshot | None, read_only: bool, actor: str,
             firing: dict[str, int] | None = None, via: Part = "") -> None:
        parts = status_parts(snap, read_only, actor, firing, via)
        if parts == self._parts:  # an unchanged header costs no bytes over SSH
            return
        self._parts = parts
        lines = len(fold(parts, self.content_size.width)) if self.content_size.width else 1
        # Only a change in the number of lines moves what is below (a re-layout).
        self.refresh(layout=lines != self._lines)
        self._lines = lines

    def on_resize(self) -> None:
        # A new width is laid out anew: count its lines, so the next change compares to them.
        self._lines = len(fold(self._parts or [], self.content_size.width))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(fold(self._parts or [], width)) if width > 0 else 1

    def render(self) -> Content:
        lines = fold(self._parts or [], self.content_size.width or 10_000)
        out: list[Part] = []
        for number, line in enumerate(lines):
            out += (["\n"] if number else []) + line
        return Content.assemble(*out)
