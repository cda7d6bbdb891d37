"""Who is on the other end of a unix socket, from the kernel (SO_PEERCRED).

Linux only: SO_PEERCRED is a Linux socket option (BSDs and macOS have getpeereid/LOCAL_PEERCRED
instead, which fintui does not use). The credentials are those of the process that connected,
taken at connect(); nothing the peer sends can change them."""

from __future__ import annotations

import socket
import struct

from fintui.ops.identity import Identity, identity_of

_UCRED = "3i"  # struct ucred: pid_t pid, uid_t uid, gid_t gid


def peer_credentials(sock: socket.socket) -> tuple[int, int, int]:
    """(pid, uid, gid) of the connected peer. OSError where the kernel cannot say."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        raise OSError("SO_PEERCRED is not available: the agent's socket needs Linux")
    raw = sock.getsockopt(socket.SOL_SOCKET, option, struct.calcsize(_UCRED))
    pid, uid, gid = struct.unpack(_UCRED, raw)
    return pid, uid, gid


def peer_pid(sock: socket.socket) -> int:
    return peer_credentials(sock)[0]


def peer_uid(sock: socket.socket) -> int:
    return peer_credentials(sock)[1]


def peer_identity(sock: socket.socket) -> Identity:
    """The peer's account and groups. May block on the account database (NSS, LDAP): call it
    off the event loop where that matters."""
    return identity_of(peer_uid(sock))
