"""Roles come from the OS account (user, then @group), never from a name the user types:
`--as` and $USER change the audit's actor, not what may be done."""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
from pathlib import Path

from fintui.config import GuardSettings
from fintui.ops.guard import role_of
from fintui.ops.identity import Identity, current_identity, identity_of

DESK = Identity(1001, "desk1", ("desk1", "trading-desk"))
ALICE = Identity(1002, "alice", ("alice", "ops", "trading-desk"))


def test_a_users_own_entry_wins_then_groups_then_the_default() -> None:
    settings = GuardSettings("operator", {"@trading-desk": "viewer", "alice": "operator"}, ())
    assert role_of(DESK, settings, False) == "viewer"  # by @group
    assert role_of(ALICE, settings, False) == "operator"  # her own entry beats her group
    assert role_of(Identity(1003, "bob", ("bob",)), settings, False) == "operator"  # default
    assert role_of(ALICE, settings, True) == "viewer"  # --read-only only ever lowers


def test_viewer_wins_when_groups_disagree() -> None:
    settings = GuardSettings("viewer", {"@ops": "operator", "@trading-desk": "viewer"}, ())
    assert role_of(ALICE, settings, False) == "viewer"
    assert role_of(Identity(7, "carol", ("ops",)), settings, False) == "operator"


def test_a_group_name_is_not_a_user_name() -> None:
    # A user called "ops" is not the group @ops, and the other way round.
    settings = GuardSettings("viewer", {"@ops": "operator"}, ())
    assert role_of(Identity(8, "ops", ("staff",)), settings, False) == "viewer"


def test_identity_is_the_real_uid_from_the_password_database(monkeypatch: object) -> None:
    me = current_identity()
    entry = pwd.getpwuid(os.getuid())
    assert (me.uid, me.user) == (os.getuid(), entry.pw_name)
    assert me.groups and me.groups[0] == __import__("grp").getgrgid(entry.pw_gid).gr_name
    assert identity_of(2**31 - 7).user == f"uid:{2**31 - 7}"  # no account: no name, no groups


def _isolate_as(tmp_path: Path, config: str, *extra: str, env: dict[str, str] | None = None
                ) -> tuple[subprocess.CompletedProcess[str], list[dict[str, object]]]:
    path = tmp_path / "config.toml"
    path.write_text(f'[paths]\nstate_dir = "{tmp_path}/state"\n{config}')
    result = subprocess.run(
        [sys.executable, "-m", "fintui", "--demo", "--config", str(path), *extra,
         "isolate", "recon-worker", "--yes"],
        capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})})
    log = tmp_path / "state" / "demo" / "audit.jsonl"
    records = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return result, records


def test_as_and_user_do_not_change_the_role(tmp_path: Path) -> None:
    """An operator's name typed with --as, or put in $USER, leaves a viewer a viewer; the
    audit names the real account beside the typed name."""
    me = current_identity()
    config = '[guard]\ndefault_role = "viewer"\nroles = { alice = "operator" }\n'
    result, records = _isolate_as(tmp_path, config, "--as", "alice",
                                  env={"USER": "alice", "LOGNAME": "alice"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "refused: role 'viewer' may not isolate" in result.stderr
    assert [(r["actor"], r["user"], r["uid"], r["role"], r["outcome"]) for r in records] == [
        ("alice", me.user, me.uid, "viewer", "refused")]
    shown = subprocess.run([sys.executable, "-m", "fintui", "audit", "show", "--log",
                            str(tmp_path / "state" / "demo" / "audit.jsonl")],
                           capture_output=True, text=True, timeout=60)
    assert f"alice [{me.user}] (viewer)  isolate recon-worker  refused" in shown.stdout


def test_the_real_accounts_group_makes_an_operator(tmp_path: Path) -> None:
    me = current_identity()
    config = f'[guard]\ndefault_role = "viewer"\nroles = {{ "@{me.groups[0]}" = "operator" }}\n'
    result, records = _isolate_as(tmp_path, config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [(r["actor"], r["user"], r["role"]) for r in records][-1] == (
        me.user, me.user, "operator")
    assert [r["outcome"] for r in records] == ["started", "ok"]
