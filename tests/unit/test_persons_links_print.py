"""Tip links seen from both sides, and the printed support history (permitted roles only, audited)."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.unit.persons_helpers import desk_for, draft, make_tip, persons
from tipdesk.errors import NotFound, PermissionDenied
from tipdesk.services.persons_links import LinkService
from tipdesk.services.persons_print import print_support_history
from tipdesk.services.persons_support import SupportService
from tipdesk.services.persons_types import LinkRole


@pytest.fixture
def desks(admin_desk: Any, installed: Any, clock: Any) -> Any:
    sw = desk_for(admin_desk, installed, clock, "social_worker", "xahoi")
    police = desk_for(admin_desk, installed, clock, "commune_police", "canbo")
    yield {"sw": sw, "police": police, "admin": admin_desk}
    sw.close()
    police.close()


def test_links_show_on_both_sides(desks: Any, clock: Any) -> None:
    sw, police = desks["sw"], desks["police"]
    mỷ = persons(sw).create(draft()).person
    dế = persons(sw).create(draft(full_name="Hầu Thị Dế", id_number="", birth_year=2003)).person
    tip1, tip2 = make_tip(police, clock), make_tip(police, clock)
    links = LinkService(sw)
    links.link(tip1, mỷ.id)
    links.link(tip1, dế.pseudonym, LinkRole.BEING_IDENTIFIED)
    LinkService(police).link(tip2, mỷ.id, "witness")
    on_tip1 = LinkService(sw).persons_of_tip(tip1)
    assert [(p.person_id, p.role) for p in on_tip1] == [(mỷ.id, LinkRole.VICTIM), (dế.id, LinkRole.BEING_IDENTIFIED)]
    of_mỷ = LinkService(sw).tips_of_person(mỷ.id)
    assert {t.tip_id for t in of_mỷ} == {tip1, tip2}
    assert all(t.register_label.endswith("/2026") and t.summary for t in of_mỷ)
    links.unlink(tip1, mỷ.id)
    assert [p.person_id for p in links.persons_of_tip(tip1)] == [dế.id]
    assert [t.tip_id for t in links.tips_of_person(mỷ.id)] == [tip2]
    with pytest.raises(NotFound):
        links.unlink(tip1, mỷ.id)
    links.link(tip1, mỷ.id, "at_risk")  # linking again restores the row with the new role
    assert {(p.person_id, p.role) for p in links.persons_of_tip(tip1)} == {
        (mỷ.id, LinkRole.AT_RISK), (dế.id, LinkRole.BEING_IDENTIFIED)}


def test_linking_needs_an_edit_right_and_real_records(desks: Any, clock: Any) -> None:
    sw, police, admin = desks["sw"], desks["police"], desks["admin"]
    person = persons(sw).create(draft()).person
    tip = make_tip(police, clock)
    with pytest.raises(PermissionDenied):
        LinkService(admin).link(tip, person.id)
    with pytest.raises(NotFound):
        LinkService(sw).link("no-such-tip", person.id)
    with pytest.raises(NotFound):
        LinkService(sw).link(tip, "P-00000-26-9999")


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_print_is_for_permitted_roles_numbered_and_audited(desks: Any, tmp_path: Path) -> None:
    sw, police, admin = desks["sw"], desks["police"], desks["admin"]
    person = persons(sw).create(draft()).person
    SupportService(sw).add_entry(person.id, "essential_needs", dt.date(2026, 3, 3), 1_500_000,
                                 provider="UBND xã Thượng Lâm")
    SupportService(sw).add_entry(person.id, "medical", dt.date(2026, 3, 4), 250_000)
    first, second = io.BytesIO(), io.BytesIO()
    r1 = print_support_history(sw, person.id, first)
    r2 = print_support_history(sw, person.pseudonym, second)
    assert r1.pages >= 1 and first.getvalue().startswith(b"%PDF")
    assert (r1.number, r2.number) == ("01/2026/BC-HT", "02/2026/BC-HT")
    prints = [r for r in admin.audit.browse(action="print") if r.entity_id == person.id]
    assert [r.detail["number"] for r in prints] == ["02/2026/BC-HT", "01/2026/BC-HT"]
    with pytest.raises(PermissionDenied):
        print_support_history(police, person.id, io.BytesIO())
    assert len([r for r in admin.audit.browse(action="print") if r.entity_id == person.id]) == 2
    if shutil.which("pdftotext"):
        text = _pdf_text(first.getvalue(), tmp_path)
        assert "Sùng Thị Mỷ" in text and "1.750.000" in text and "P-02269-26-0001" in text
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "01/2026/BC-HT" in text


def test_print_to_a_file_is_atomic(desks: Any, tmp_path: Path) -> None:
    sw = desks["sw"]
    person = persons(sw).create(draft()).person
    target = tmp_path / "out" / "history.pdf"
    print_support_history(sw, person.id, str(target))
    assert target.read_bytes().startswith(b"%PDF")
    assert [p.name for p in target.parent.iterdir()] == ["history.pdf"]  # no temporary file left
