"""The CLI end to end, in subprocesses as a script would run it: exit codes, --json, languages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ADMIN_PASSWORD, COMMUNE_CODE


def tipdesk(data: Path, *args: str, password: str | None = ADMIN_PASSWORD, lang: str | None = None,
            extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIPDESK_")}
    env["TIPDESK_DATA_DIR"] = str(data)
    if password is not None:
        env["TIPDESK_PASSWORD"] = password
    env.update(extra_env or {})
    cmd = [sys.executable, "-m", "tipdesk"] + (["--lang", lang] if lang else []) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)


def test_init_user_audit_roundtrip(tmp_path: Path) -> None:
    data = tmp_path / "d"
    r = tipdesk(data, "init", "--profile", "commune", "--unit", COMMUNE_CODE, "--admin", "admin", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["unit_code"] == COMMUNE_CODE and len(out["recovery_code"]) == 39 and out["fingerprint"]
    pw = tmp_path / "pw"
    pw.write_text("police officer pass\n", "utf-8")
    r = tipdesk(data, "user", "add", "canbo", "--role", "commune_police", "--new-password-file", str(pw))
    assert r.returncode == 0, r.stderr
    r = tipdesk(data, "user", "list", "--json")
    users = {u["username"]: u["role"] for u in json.loads(r.stdout)}
    assert users == {"admin": "commune_admin", "canbo": "commune_police"}
    r = tipdesk(data, "audit", "verify", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["ok"] is True
    # the police officer works under their own name and permissions
    r = tipdesk(data, "--user", "canbo", "--password-file", str(pw), "user", "list", password=None)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_exit_codes_and_messages(tmp_path: Path) -> None:
    data = tmp_path / "d"
    assert tipdesk(data, "init", "--profile", "commune", "--unit", COMMUNE_CODE).returncode == 0
    wrong = tipdesk(data, "user", "list", password="not the password")
    assert wrong.returncode == 1
    assert wrong.stderr.strip() == "tipdesk: Sai tên người dùng hoặc mật khẩu."
    wrong_en = tipdesk(data, "user", "list", password="not the password", lang="en")
    assert wrong_en.stderr.strip() == "tipdesk: Wrong user name or password."
    usage = tipdesk(data, "user", "add")
    assert usage.returncode == 2
    again = tipdesk(data, "init", "--profile", "commune", "--unit", COMMUNE_CODE)
    assert again.returncode == 1 and "Traceback" not in again.stderr


def test_bad_unit_and_no_password(tmp_path: Path) -> None:
    data = tmp_path / "d"
    r = tipdesk(data, "init", "--profile", "commune", "--unit", "99999")
    assert r.returncode == 1 and "99999" in r.stderr and not data.joinpath("tipdesk.db").exists()
    r = tipdesk(data, "init", "--profile", "commune", "--unit", COMMUNE_CODE, password=None)
    assert r.returncode == 1 and "Traceback" not in r.stderr


def test_data_dir_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", "utf-8")
    r = tipdesk(blocker, "init", "--profile", "commune", "--unit", COMMUNE_CODE)
    assert r.returncode == 1 and "Traceback" not in r.stderr and r.stderr.startswith("tipdesk: ")
    assert blocker.read_text("utf-8") == "x"
