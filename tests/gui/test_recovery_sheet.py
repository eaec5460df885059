"""The recovery sheet PDF: one page with the unit, the administrator, the code and the fingerprint."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from tipdesk import i18n
from tipdesk.reports.recovery_sheet import build_recovery_sheet, code_lines

CODE = "ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345-6789"
FINGERPRINT = "KQ2M-7XPL-A4TN-3RWE"
WHEN = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)


def test_code_is_split_between_groups() -> None:
    assert code_lines(CODE) == "ABCD-EFGH-JKLM-NPQR\nSTUV-WXYZ-2345-6789"
    assert code_lines("ABCD-EFGH") == "ABCD-EFGH"


def test_sheet_is_one_page_pdf_written_atomically(tmp_path: Path) -> None:
    target = tmp_path / "out" / "sheet.pdf"
    pages = build_recovery_sheet(target, "Xã Thượng Lâm", "Nguyễn Văn Quản (admin)", CODE, FINGERPRINT, WHEN)
    assert pages == 1 and target.read_bytes().startswith(b"%PDF")
    assert [p.name for p in target.parent.iterdir()] == ["sheet.pdf"]  # no temporary file left
    buffer = io.BytesIO()
    assert build_recovery_sheet(buffer, "Xã Thượng Lâm", "admin", CODE, FINGERPRINT, WHEN) == 1


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_sheet_text(tmp_path: Path, lang: str) -> None:
    i18n.set_language(lang)
    target = tmp_path / "sheet.pdf"
    build_recovery_sheet(target, "Xã Thượng Lâm", "Nguyễn Văn Quản (admin)", CODE, FINGERPRINT, WHEN)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(target), "-"], check=True, capture_output=True,
                          text=True).stdout
    for expected in ("XÃ THƯỢNG LÂM", "Nguyễn Văn Quản (admin)", "ABCD-EFGH-JKLM-NPQR", "STUV-WXYZ-2345-6789",
                     FINGERPRINT, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"):
        assert expected in text
    assert i18n._("Recovery sheet").upper() in text
