"""The header line on every screen: where the data comes from, whether it is live, the host."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

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


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $foreground; text-wrap: nowrap;
                text-overflow: ellipsis; }
    """

    _shown: Content | None = None

    def show(self, snap: ClusterSnapshot | None, read_only: bool, actor: str,
             firing: dict[str, int] | None = None, via: Part = "") -> None:
        content = Content.assemble(*status_parts(snap, read_only, actor, firing, via))
        if content != self._shown:  # an unchanged header costs no bytes over SSH
            self._shown = content
            self.update(content, layout=False)  # one fixed-height line: no re-layout
