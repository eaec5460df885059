"""Printing: the reception record fixes the register number, the register book, masking and audit."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import Installed
from tests.unit.tips_support import police_desk, tip_input
from tipdesk.clock import FixedClock
from tipdesk.db.models import AuditEntry
from tipdesk.domain.tips import TipEventKind
from tipdesk.errors import UserError
from tipdesk.reports.tip_docs import IssuingUnit
from tipdesk.services.context import Desk
from tipdesk.services.tips import TipService
from tipdesk.services.tips_types import TipEventInput

VN = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture
def police(admin_desk: Any, installed: Installed, clock: FixedClock) -> Desk:
    return police_desk(admin_desk, installed, clock)


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler) is not installed")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def prints(desk: Desk) -> list[dict[str, Any]]:
    with desk.read() as s:
        return [json.loads(d) for d in s.scalars(select(AuditEntry.detail).where(AuditEntry.action == "print")
                                                 .order_by(AuditEntry.seq))]


def test_reception_record_fixes_the_register_number(police: Desk, clock: FixedClock, tmp_path: Path) -> None:
    tips = TipService(police)
    view = tips.create(tip_input(clock))
    out = tmp_path / "bien-ban.pdf"
    assert tips.printing.reception_record(view.id, out) == 1
    assert out.read_bytes().startswith(b"%PDF")
    printed = tips.get(view.id)
    assert printed.printed_at == clock.now() and printed.version == view.version + 1
    text = pdf_text(out)
    for expected in ("01/2026/BB-TN", "Lò Thị Đức", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Thượng Lâm"):
        assert expected in text
    with pytest.raises(UserError) as err:
        tips.update(view.id, tip_input(clock, received_at=dt.datetime(2025, 12, 20, 9, 0, tzinfo=VN)))
    assert err.value.code == "register_fixed"
    assert tips.get(view.id).register_label == "01/2026"
    tips.printing.reception_record(view.id, io.BytesIO())
    assert [(p["document"], p["first_print"]) for p in prints(police)] == [("reception_record", True),
                                                                           ("reception_record", False)]
    assert tips.get(view.id).printed_at == printed.printed_at  # the first print stays the fixing one


def test_masked_reporter_is_not_printed(police: Desk, clock: FixedClock, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    tips = TipService(police)
    view = tips.create(tip_input(clock, reporter_secret=True, reporter_name="Hà Thị Kín Đáo"))
    monkeypatch.setattr(TipService, "reveal", property(lambda self: False))
    record, book = tmp_path / "record.pdf", tmp_path / "book.pdf"
    tips.printing.reception_record(view.id, record)
    tips.printing.register_book(2026, book)
    for path in (record, book):
        text = pdf_text(path)
        assert "Kín Đáo" not in text and "0912 345 678" not in text and "008180001234" not in text
    assert [p.get("reporter_revealed", p.get("reporters_revealed")) for p in prints(police)] == [False, 0]


def test_register_book_lists_the_year_in_number_order(police: Desk, clock: FixedClock, tmp_path: Path) -> None:
    tips = TipService(police)
    made = [tips.create(tip_input(clock, summary=f"Tin số {i}", urgent=i == 2)) for i in range(1, 4)]
    tips.create(tip_input(clock, received_at=dt.datetime(2025, 11, 2, 9, 0, tzinfo=VN), summary="Năm trước"))
    tips.record_event(made[0].id, TipEventInput(TipEventKind.TRANSFERRED, clock.now(), recipient="CQCSĐT tỉnh"))
    rows = tips.printing.register_rows(2026)
    assert [r.register_label for r in rows] == ["01/2026", "02/2026", "03/2026"]  # urgency does not reorder a book
    out = tmp_path / "so.pdf"
    assert tips.printing.register_book(2026, out) == 1
    text = pdf_text(out)
    assert "03/2026" in text and "Năm trước" not in text and "CQCSĐT tỉnh" in text
    assert prints(police)[-1] == {"document": "register", "year": 2026, "rows": 3, "reporters_revealed": 0}


def test_issuing_unit_names() -> None:
    unit = IssuingUnit.for_commune("02269")
    assert unit.place == "Thượng Lâm"
    assert unit.unit_name.endswith("xã Thượng Lâm") and unit.parent_agency.endswith("tỉnh Tuyên Quang")
    city = IssuingUnit.for_commune("00070")  # Phường Hoàn Kiếm, Thành phố Hà Nội
    assert city.parent_agency.endswith("thành phố Hà Nội") and city.place == "Hoàn Kiếm"
