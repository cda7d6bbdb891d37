"""Which everyday container act makes sense in which state, and the names of the signals a
kill may send. Pure: the operations layer plans with it, a view may grey a key with it."""

from __future__ import annotations

# Linux's numbers (a container's kernel reads them, whatever the client's system).
SIGNALS: dict[str, int] = {
    "SIGHUP": 1, "SIGINT": 2, "SIGQUIT": 3, "SIGILL": 4, "SIGTRAP": 5, "SIGABRT": 6,
    "SIGBUS": 7, "SIGFPE": 8, "SIGKILL": 9, "SIGUSR1": 10, "SIGSEGV": 11, "SIGUSR2": 12,
    "SIGPIPE": 13, "SIGALRM": 14, "SIGTERM": 15, "SIGSTKFLT": 16, "SIGCHLD": 17,
    "SIGCONT": 18, "SIGSTOP": 19, "SIGTSTP": 20, "SIGTTIN": 21, "SIGTTOU": 22, "SIGURG": 23,
    "SIGXCPU": 24, "SIGXFSZ": 25, "SIGVTALRM": 26, "SIGPROF": 27, "SIGWINCH": 28,
    "SIGIO": 29, "SIGPWR": 30, "SIGSYS": 31,
}
DEFAULT_SIGNAL = "SIGKILL"
STOP_GRACE = 10  # seconds a container gets to stop before the daemon kills it

# What each act is called in a plan line and once done.
VERBS: dict[str, tuple[str, str]] = {
    "restart": ("restart", "restarted"), "stop": ("stop", "stopped"),
    "start": ("start", "started"), "kill": ("kill", "killed"),
    "pause": ("pause", "paused"), "unpause": ("unpause", "unpaused"),
    "remove": ("remove", "removed"),
}
# Acts that leave a running container not running (the last replica of a service asks twice).
TAKES_DOWN = frozenset({"stop", "kill", "remove"})
# The signals sent to end a container; any other (SIGHUP, SIGUSR1, ...) may leave it running.
ENDING_SIGNALS = frozenset({"SIGKILL", "SIGTERM", "SIGINT", "SIGQUIT"})
# Acts a Swarm task may not get: the task would run beside Swarm's replacement, outside it.
NOT_FOR_TASKS = frozenset({"restart", "start"})
# Acts that bring back: never a big change, however many they touch.
BRINGS_BACK = frozenset({"start", "unpause"})

_RUNNING = frozenset({"running", "restarting"})
_STOPPED = frozenset({"exited", "created", "dead"})


def takes_down(action: str, signal: str = "") -> bool:
    """Whether the act leaves a running container not running: a kill only with an ending
    signal."""
    return action in TAKES_DOWN and (action != "kill" or signal in ENDING_SIGNALS)


def task_reason(service: str) -> str:
    """Why a Swarm task of `service` is not restarted or started (service: already safe)."""
    return (f"it is a task of Swarm service {service}: Swarm replaces a task that stops, and "
            "a restarted or started one runs outside Swarm; scale or roll out the service "
            "instead")


def stops_first(action: str, state: str) -> bool:
    """A remove of a container that still runs stops it (with its grace period) first."""
    return action == "remove" and state not in _STOPPED


def signal_name(text: str) -> str:
    """SIGTERM, TERM, term or 15 → "SIGTERM"; "" → SIGKILL. ValueError names an unknown one."""
    wanted = text.strip().upper()
    if not wanted:
        return DEFAULT_SIGNAL
    if wanted.isdigit():
        for name, number in SIGNALS.items():
            if number == int(wanted):
                return name
    else:
        name = wanted if wanted.startswith("SIG") else f"SIG{wanted}"
        if name in SIGNALS:
            return name
    raise ValueError(f"unknown signal {text.strip()!r}: a name such as SIGTERM or TERM, or a "
                     "number from 1 to 31")


def why_not(action: str, state: str) -> str:
    """Why `action` makes no sense for a container in `state` ("" when it does)."""
    if state == "removing":
        return "it is being removed"
    if action == "restart":
        if state == "paused":
            return "it is paused: unpause it first"
        return "it is dead" if state == "dead" else ""
    if action == "stop":
        return "" if state in _RUNNING or state == "paused" else f"it is not running ({state})"
    if action == "start":
        if state in _RUNNING:
            return "it is already running"
        if state == "paused":
            return "it is paused: unpause it instead"
        return "it is dead" if state == "dead" else ""
    if action in ("kill", "pause"):
        if state == "paused":
            return "it is already paused" if action == "pause" else \
                "it is paused: unpause it first"
        if state == "restarting":  # between its crashes: nothing runs to signal or freeze
            return "it is restarting: stop it instead" if action == "kill" else \
                "it is restarting"
        return "" if state in _RUNNING else f"it is not running ({state})"
    if action == "unpause":
        return "" if state == "paused" else f"it is not paused ({state})"
    if action == "remove":  # a live one is stopped first (its grace period), never forced
        return ""
    return f"unknown act {action!r}"
