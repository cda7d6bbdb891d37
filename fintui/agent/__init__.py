"""`fintui agent`: the console's state and acts served on a unix socket.

`server` speaks HTTP/JSON on the socket, `client` is its counterpart, `peer` tells who is on
the other end from what the kernel says (SO_PEERCRED), and `backend` is the protocol the
server calls to answer."""
