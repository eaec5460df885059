"""The whole commune -> province round trip by the command line: two data folders, subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ADMIN_PASSWORD, COMMUNE_CODE
from tests.unit.exchange_db_support import record_dump
from tipdesk.services.auth import open_desk

ROOT = Path(__file__).resolve().parents[2]


def _run(data: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TIPDESK_PASSWORD=ADMIN_PASSWORD, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-m", "tipdesk", "--data-dir", str(data), "--lang", "en", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    if ok:
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
    return proc


def _json(data: Path, *args: str) -> Any:
    return json.loads(_run(data, *args, "--json").stdout)


@pytest.mark.slow
def test_round_trip_by_cli_between_two_data_folders(tmp_path: Path) -> None:
    commune, province, usb = tmp_path / "commune", tmp_path / "province", tmp_path / "usb"
    _run(commune, "init", "--profile", "commune", "--unit", COMMUNE_CODE)
    _run(province, "init", "--profile", "province", "--unit", "08")

    enrolment = _json(commune, "keys", "export-enrolment", str(usb / "enrol.tde"))
    assert Path(enrolment["path"]).exists()
    _json(province, "enrol", enrolment["path"], "--fingerprint", enrolment["fingerprint"])
    province_keys = _json(province, "keys", "show")
    root_fp = next(k["fingerprint"] for k in province_keys["keys"] if k["kind"] == "sign")
    bundle = _json(province, "trust", "export", str(usb / "trust.tdt"))
    installed = _json(commune, "trust", "import", bundle["path"], "--fingerprint", root_fp)
    assert installed["version"] == 1

    _run(commune, "demo", "--tips", "12", "--persons", "4")
    exported = _run(commune, "export", "--out", str(usb))
    batch = Path(exported.stdout.strip().splitlines()[-1])
    assert batch.exists() and batch.suffix == ".tdb"

    verified = _json(province, "verify", str(batch))
    assert verified["status"] == "ok" and verified["seq"] == 1
    dry = _json(province, "import", "--dry-run", str(batch))
    assert dry["dry_run"] and dry["files"][0]["counts"]["tip"]["new"] >= 12
    imported = _json(province, "import", "--receipts", str(usb / "receipts"), str(usb))
    assert imported["files"][0]["status"] == "accepted"
    assert imported["files"][0]["counts"] == dry["files"][0]["counts"]

    receipts = _json(commune, "receipt", "import", str(usb / "receipts"))
    assert [r["status"] for r in receipts] == ["accepted"]
    batches = _json(commune, "batches")
    assert batches[0]["receipt_status"] == "accepted"

    again = _json(province, "import", str(batch))
    assert again["files"][0]["status"] == "duplicate"
    communes = _json(province, "communes")
    assert communes[0]["commune"] == COMMUNE_CODE and communes[0]["contiguous_seq"] == 1

    c_desk = open_desk("admin", ADMIN_PASSWORD, data_dir=commune)
    p_desk = open_desk("admin", ADMIN_PASSWORD, data_dir=province)
    try:
        assert record_dump(p_desk) == record_dump(c_desk)
    finally:
        c_desk.close()
        p_desk.close()


@pytest.mark.slow
def test_a_refused_batch_exits_1_with_its_code_and_message(tmp_path: Path) -> None:
    province = tmp_path / "province"
    _run(province, "init", "--profile", "province", "--unit", "08")
    junk = tmp_path / "junk.tdb"
    junk.write_bytes(b"TDBATCH9 this is not a batch")
    proc = _run(province, "import", str(junk), ok=False)
    assert proc.returncode == 1
    assert "UNSUPPORTED_FORMAT" in proc.stderr and "format" in proc.stderr
    proc = _run(province, "verify", str(junk), "--json", ok=False)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["code"] == "UNSUPPORTED_FORMAT"
