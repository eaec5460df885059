"""Exchange with databases: splitting, re-sending identical bytes, receipts, dry run, cancel,
parked records, annotations left alone by imports."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.unit.exchange_db_support import Pair, Records, bulk, full_dump, province_officer, record_dump
from tipdesk.db.models.exchange import OutBatch
from tipdesk.db.models.tips import Tip
from tipdesk.errors import UserError
from tipdesk.exchange import keys as xkeys
from tipdesk.exchange.envelope import seal_envelope
from tipdesk.exchange.format import RECEIPT_PAYLOAD_TYPE, Limits, peek_header
from tipdesk.exchange.rejects import ExportFailed
from tipdesk.services.exchange import Exchange
from tipdesk.services.exchange_export import ExportService
from tipdesk.services.exchange_upsert import ImportCancelled


@pytest.fixture(scope="session")
def template_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("exchange-template")


@pytest.fixture
def pair(tmp_path: Path, template_root: Path) -> Iterator[Pair]:
    p = Pair.make(tmp_path, template_root)
    yield p
    p.close()


# ---------------------------------------------------------------- export


def test_export_over_a_small_cap_is_split_into_consecutive_batches(pair: Pair) -> None:
    bulk(pair.commune, 40)
    cap = 16 * 1024
    small = ExportService(pair.commune, Limits(max_batch_bytes=cap))
    result = small.export(pair.root / "usb")
    assert len(result.batches) >= 3
    assert [peek_header(p.read_bytes()).seq for p in result.paths] == list(range(1, len(result.paths) + 1))
    assert all(p.stat().st_size <= cap for p in result.paths)
    assert result.records == sum(b.records for b in result.batches) == 40 * 4
    report = pair.px.imports.import_paths([pair.root / "usb"])
    assert all(o.status == "accepted" for o in report.outcomes)
    assert report.outcomes[-1].highest_contiguous_seq == len(result.paths)
    assert record_dump(pair.province) == record_dump(pair.commune)


def test_an_attachment_larger_than_a_batch_refuses_the_export_and_changes_nothing(pair: Pair) -> None:
    rec = Records(pair.commune)
    tip = rec.tip()
    rec.attachment(tip, bytes(range(256)) * 200)  # 51 200 bytes of incompressible-ish data
    before = full_dump(pair.commune)
    with pytest.raises(ExportFailed) as err:
        ExportService(pair.commune, Limits(max_batch_bytes=16 * 1024)).export(pair.root / "usb")
    assert err.value.code == "BATCH_TOO_LARGE"
    assert full_dump(pair.commune) == before


def test_incremental_export_carries_only_what_changed(pair: Pair) -> None:
    rec = Records(pair.commune)
    tip = rec.tip()
    rec.tip()
    first = pair.cx.export.export(pair.root / "b1")
    assert first.batches[0].counts["tip"] == 2
    rec.edit_tip(tip, "Chỉ tin này thay đổi")
    second = pair.cx.export.export(pair.root / "b2")
    assert second.batches[0].counts == {"tip": 1}
    assert second.batches[0].seq == 2


def test_re_export_of_an_unacknowledged_batch_gives_identical_bytes(pair: Pair) -> None:
    Records(pair.commune).tip()
    first = pair.export_one(pair.root / "usb1")
    again = pair.cx.export.resend(pair.root / "usb2")
    assert len(again) == 1 and again[0].read_bytes() == first.read_bytes()
    assert again[0].name == first.name


def test_receipts_import_marks_the_batch_and_its_records_acknowledged(pair: Pair) -> None:
    rec = Records(pair.commune)
    tip = rec.tip()
    path = pair.export_one()
    assert pair.cx.receipts.acknowledged_version("tip", tip) is None
    report = pair.px.imports.import_paths([path], receipts_dir=pair.root / "receipts")
    views = pair.cx.receipts.import_paths([pair.root / "receipts"])
    assert [v.status for v in views] == ["accepted"]
    assert pair.cx.export.batches()[0].acknowledged
    assert pair.cx.receipts.acknowledged_version("tip", tip) == 1
    assert pair.cx.export.resend(pair.root / "usb3") == []  # nothing left to re-send
    assert report.outcomes[0].receipt_path is not None


def test_a_receipt_for_someone_else_is_refused(pair: Pair) -> None:
    Records(pair.commune).tip()
    path = pair.export_one()
    receipt = pair.px.imports.import_paths([path]).outcomes[0].receipt
    assert receipt is not None
    with pair.commune.write() as s:
        s.execute(OutBatch.__table__.update().values(sha256="0" * 64))
    with pytest.raises(UserError) as err:
        pair.cx.receipts.import_receipt(receipt)
    assert err.value.code == "RECEIPT_NOT_OURS"
    with pytest.raises(UserError) as err:
        pair.cx.receipts.import_receipt(_signed_by_stranger(receipt))
    assert err.value.code == "BAD_RECEIPT_SIGNATURE"


def _signed_by_stranger(receipt: bytes) -> bytes:
    body = json.loads(base64.b64decode(json.loads(receipt)["payload"]))
    return seal_envelope(RECEIPT_PAYLOAD_TYPE, body, [xkeys.generate_signing_key()])


# ---------------------------------------------------------------- dry run and cancel


def test_dry_run_previews_counts_and_the_list_and_changes_nothing(pair: Pair) -> None:
    rec = Records(pair.commune)
    tip = rec.tip()
    pair.px.imports.import_paths([pair.export_one(pair.root / "b1")])
    rec.edit_tip(tip, "Bản cập nhật")
    rec.tip(summary="Tin mới")
    path = pair.export_one(pair.root / "b2")
    before = full_dump(pair.province)
    report = pair.px.imports.import_paths([path], dry_run=True)
    assert report.dry_run
    counts = report.totals()["tip"]
    assert (counts.new, counts.updated) == (1, 1)
    actions = sorted((i.record_type, i.action) for i in report.outcomes[0].items)
    assert ("tip", "new") in actions and ("tip", "updated") in actions
    assert full_dump(pair.province) == before


def test_a_cancelled_import_changes_nothing(pair: Pair) -> None:
    bulk(pair.commune, 700)
    path = pair.export_one()
    before = full_dump(pair.province)
    seen: list[int] = []

    def progress(done: int, total: int, name: str) -> None:
        seen.append(done)

    with pytest.raises(ImportCancelled):
        pair.px.imports.import_paths([path], progress=progress, cancelled=lambda: len(seen) >= 2)
    assert seen and seen[-1] < 700 * 4
    assert full_dump(pair.province) == before
    assert pair.px.imports.import_paths([path]).outcomes[0].status == "accepted"


# ---------------------------------------------------------------- parked records and annotations


def test_a_child_whose_parent_is_missing_waits_and_is_released(pair: Pair) -> None:
    rec = Records(pair.commune)
    tip = rec.tip()
    first = pair.export_one(pair.root / "b1")
    rec.event(tip)
    rec.attachment(tip, b"scan" * 100)
    second = pair.export_one(pair.root / "b2")
    waiting = pair.px.imports.import_paths([second]).outcomes[0]
    assert waiting.counts["tip_event"].waiting == 1 and waiting.counts["tip_attachment"].waiting == 1
    assert waiting.missing == [1]
    status = pair.px.status.peers()[0]
    assert status.waiting == 2 and status.missing == [1]
    released = pair.px.imports.import_paths([first]).outcomes[0]
    assert released.released["tip_event"].new == 1 and released.released["tip_attachment"].new == 1
    assert pair.px.status.waiting() == 0
    assert record_dump(pair.province) == record_dump(pair.commune)


def test_annotations_sit_beside_records_and_imports_never_touch_them(pair: Pair) -> None:
    rec = Records(pair.commune)
    tip = rec.tip()
    pair.px.imports.import_paths([pair.export_one(pair.root / "b1")])
    with pytest.raises(UserError) as err:  # the provincial administrator manages keys, not cases
        pair.px.status.annotate("tip", tip, "note", "Ghi chú")
    assert err.value.code == "permission_denied"
    officer = province_officer(pair)
    try:
        status = Exchange(officer).status
        note = status.annotate("tip", tip, "note", "Cần đối chiếu với vụ việc ở xã bên")
        follow = status.annotate("tip", tip, "follow_up", "Gọi lại xã trước 20/3", due_on=dt.date(2026, 3, 20))
        rec.edit_tip(tip, "Xã cập nhật")
        Exchange(officer).imports.import_paths([pair.export_one(pair.root / "b2")])
        assert [a.id for a in status.annotations("tip", tip)] == [note.id, follow.id]
        with officer.read() as s:
            assert s.get(Tip, tip).summary == "Xã cập nhật"  # type: ignore[union-attr]
        with pytest.raises(UserError):
            status.annotate("tip", tip, "link", "", link_type="spaceship", link_id="x")
    finally:
        officer.close()


def test_the_province_sees_only_its_own_side(pair: Pair) -> None:
    with pytest.raises(UserError) as err:
        pair.px.export.export(pair.root / "usb")
    assert err.value.code == "WRONG_PROFILE"
    with pytest.raises(UserError):
        pair.cx.imports.import_paths([pair.root])
    with pair.commune.read() as s:
        assert s.scalars(select(OutBatch)).all() == []
