"""Where `fintui serve` may listen. Pure: a browser session is a console on the cluster, so
anything beyond this machine's loopback needs the operator to say --public."""

from __future__ import annotations

import ipaddress


def bind_problem(host: str, public: bool) -> str | None:
    """Why `host` is refused, or None when it may be used."""
    if not host:
        return "--host must name an address, e.g. 127.0.0.1"
    if public:
        return None
    if host == "localhost":
        return None
    try:
        loopback = ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return (f"{host!r} is a host name, not a loopback address: use 127.0.0.1, or "
                "--public to serve beyond this machine")
    if not loopback:
        return (f"{host} is reachable from other machines: add --public to serve there "
                "(anyone who reaches it and has the token gets this console)")
    return None
