"""Exchange with databases: commune export -> province import -> receipt, replay, fork, order, merge."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select

from tests.unit.exchange_db_support import Pair, Records, full_dump, log_rows, record_dump
from tipdesk.db.models import InstallKey
from tipdesk.db.models.exchange import ImportLog, OutBatch, Peer, TrustInstalled
from tipdesk.db.models.tips import Tip
from tipdesk.exchange import keys as xkeys
from tipdesk.exchange.batchfile import BatchMeta, build_batch
from tipdesk.exchange.format import peek_header
from tipdesk.services.exchange_schema import CHILDREN_KEY, registry, row_to_json


@pytest.fixture(scope="session")
def template_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("exchange-template")


@pytest.fixture
def pair(tmp_path: Path, template_root: Path) -> Iterator[Pair]:
    p = Pair.make(tmp_path, template_root)
    yield p
    p.close()


def _seed(pair: Pair) -> Records:
    rec = Records(pair.commune)
    tip = rec.tip(forms=("labour", "sexual"))
    rec.event(tip)
    rec.attachment(tip, b"%PDF-1.4 bien ban xac minh" * 50)
    person = rec.person(photo=b"\x89PNG anh chan dung")
    rec.link(tip, person)
    rec.tip(summary="Tin báo thứ hai: lừa đảo việc làm", forms=())
    return rec


# ---------------------------------------------------------------- the registry


def test_every_travelling_table_is_in_the_registry_in_dependency_order() -> None:
    reg = registry()
    names = reg.names
    assert {"tip", "tip_event", "tip_attachment", "person", "person_event", "tip_person"} <= set(names)
    assert names.index("tip") < names.index("tip_event") and names.index("tip") < names.index("tip_person")
    assert names.index("person") < names.index("tip_person")
    tip = reg.get("tip")
    assert tip is not None
    fields = {f.name for f in tip.fields}
    assert "change_seq" not in fields  # local only
    assert "officer_id" not in fields  # points at a commune user that does not travel
    assert [c.name for c in tip.children] == ["tip_forms"]
    assert CHILDREN_KEY in tip.keys
    attachment = reg.get("tip_attachment")
    assert attachment is not None and [f.name for f in attachment.bytes_fields] == ["data"]


# ---------------------------------------------------------------- the round trip by services


def test_round_trip_gives_the_same_records_at_the_province_and_a_receipt_acknowledges(pair: Pair) -> None:
    _seed(pair)
    path = pair.export_one()
    assert path.name == f"{pair.commune.installation.unit_code}-1-1.tdb"
    report = pair.px.imports.import_paths([path], receipts_dir=pair.root / "receipts")
    outcome = report.outcomes[0]
    assert outcome.status == "accepted", outcome.message
    assert outcome.counts["tip"].new == 2 and outcome.counts["tip_attachment"].new == 1
    assert record_dump(pair.province) == record_dump(pair.commune)
    with pair.province.read() as s:  # imported rows keep their origin installation and version
        tips = s.scalars(select(Tip)).all()
        assert {t.origin_install_id for t in tips} == {pair.commune_install}
        assert all(t.officer_id is None for t in tips)
    assert outcome.receipt_path is not None and outcome.receipt_path.exists()
    assert not pair.cx.export.batches()[0].acknowledged
    receipt = pair.cx.receipts.import_receipt(outcome.receipt_path.read_bytes())
    assert receipt.status == "accepted" and receipt.highest_contiguous_seq == 1 and receipt.missing == []
    batch = pair.cx.export.batches()[0]
    assert batch.acknowledged and batch.province_contiguous_seq == 1
    with pair.commune.read() as s:
        first_tip = s.scalars(select(Tip).order_by(Tip.register_no)).first()
        assert first_tip is not None
        tip_id, version = first_tip.id, first_tip.version
    assert pair.cx.receipts.acknowledged_version("tip", tip_id) == version


def test_the_manifest_audit_head_is_stored_per_commune(pair: Pair) -> None:
    _seed(pair)
    path = pair.export_one()
    with pair.commune.read() as s:
        head = pair.commune.audit.head(s)
    pair.px.imports.import_paths([path])
    status = {p.install_id: p for p in pair.px.status.peers()}[pair.commune_install]
    assert status.audit_seq <= head[0] and status.audit_seq > 0
    assert status.last_seq == 1 and status.contiguous_seq == 1 and status.missing == []
    assert status.days_since_last_batch == 0
    pair.clock.advance(days=3)
    status = {p.install_id: p for p in pair.px.status.peers()}[pair.commune_install]
    assert status.days_since_last_batch == 3


# ---------------------------------------------------------------- replay and fork


def test_replay_is_a_noop_with_the_same_receipt_bytes_and_a_duplicate_row(pair: Pair) -> None:
    _seed(pair)
    path = pair.export_one()
    first = pair.px.imports.import_paths([path]).outcomes[0]
    before = record_dump(pair.province)
    second = pair.px.imports.import_paths([path]).outcomes[0]
    assert second.status == "duplicate"
    assert second.receipt == first.receipt and second.receipt is not None
    assert {t: c.to_json() for t, c in second.counts.items()} == {t: c.to_json() for t, c in first.counts.items()}
    assert record_dump(pair.province) == before
    assert [row[0] for row in log_rows(pair.province)] == ["accepted", "duplicate"]


def _commune_keys(pair: Pair) -> tuple[ed25519.Ed25519PrivateKey, bytes]:
    with pair.commune.read() as s:
        key = s.scalars(select(InstallKey).where(InstallKey.kind == "sign", InstallKey.retired_at.is_(None))).one()
        trust = s.scalars(select(TrustInstalled)).one()
        return xkeys.load_signing_key(xkeys.b64decode(key.private_key)), xkeys.b64decode(trust.province_enc_pub)


def _batch_with(pair: Pair, seq: int, records: dict[str, list[dict[str, object]]],
                batch_id: str | None = None) -> bytes:
    """A batch correctly signed by the commune's key, with the given records and seq."""
    sign, province = _commune_keys(pair)
    meta = BatchMeta(batch_id=batch_id or str(uuid.uuid4()), install_id=pair.commune_install,
                     commune=pair.commune.installation.unit_code, epoch=1, seq=seq, created_at=pair.clock.now())
    return build_batch(records, {}, meta, sign, province)


def test_a_fork_is_refused_and_flagged(pair: Pair) -> None:
    _seed(pair)
    path = pair.export_one()
    assert pair.px.imports.import_paths([path]).outcomes[0].status == "accepted"
    before = record_dump(pair.province)
    forged = _batch_with(pair, 1, {})
    outcome = pair.px.imports.import_bytes(forged, "forged.tdb")
    assert (outcome.status, outcome.code) == ("refused", "FORK")
    assert outcome.receipt is not None  # the commune learns about it too
    assert record_dump(pair.province) == before
    with pair.province.read() as s:
        assert s.get(Peer, pair.commune_install).fork_alarm  # type: ignore[union-attr]
        assert s.scalars(select(ImportLog.reject_code).where(ImportLog.status == "refused")).all() == ["FORK"]
    assert pair.px.status.peers()[0].fork_alarm
    pair.px.status.clear_fork_alarm(pair.commune_install)
    assert not pair.px.status.peers()[0].fork_alarm


# ---------------------------------------------------------------- order and gaps


def _three_batches(pair: Pair) -> list[Path]:
    rec = Records(pair.commune)
    tip = rec.tip(forms=("labour",))
    person = rec.person()
    first = pair.export_one(pair.root / "b1")
    rec.edit_tip(tip, "Đã xác minh: có dấu hiệu mua bán người", forms=("labour", "marriage"))
    second = pair.export_one(pair.root / "b2")
    rec.event(tip, "Chuyển cơ quan điều tra")  # its tip travelled in batch 1
    rec.link(tip, person)
    third = pair.export_one(pair.root / "b3")
    return [first, second, third]


def test_batches_3_1_2_give_the_same_database_as_1_2_3_and_receipts_show_the_gap(pair: Pair) -> None:
    files = _three_batches(pair)
    pair.province.close()
    snapshot = pair.root / "province-snapshot"
    shutil.copytree(pair.root / "province", snapshot)
    pair.reopen_province()

    receipts = [pair.px.imports.import_paths([files[i]]).outcomes[0] for i in (2, 0, 1)]
    assert [(r.status, r.highest_contiguous_seq, r.missing) for r in receipts] == [
        ("accepted", 0, [1, 2]), ("accepted", 1, [2]), ("accepted", 3, []),
    ]
    assert receipts[0].counts["tip_event"].waiting == 1  # its tip had not arrived yet
    assert pair.px.status.waiting() == 0
    out_of_order = record_dump(pair.province)

    pair.province.close()
    shutil.rmtree(pair.root / "province")
    shutil.copytree(snapshot, pair.root / "province")
    pair.reopen_province()
    in_order = [pair.px.imports.import_paths([f]).outcomes[0] for f in files]
    assert [r.highest_contiguous_seq for r in in_order] == [1, 2, 3]
    assert record_dump(pair.province) == out_of_order == record_dump(pair.commune)


def test_one_call_with_many_files_in_any_order_sorts_them_by_sequence(pair: Pair) -> None:
    files = _three_batches(pair)
    report = pair.px.imports.import_paths([files[2], files[0], files[1]])
    assert [o.seq for o in report.outcomes] == [1, 2, 3]
    assert all(o.status == "accepted" for o in report.outcomes)
    assert record_dump(pair.province) == record_dump(pair.commune)


# ---------------------------------------------------------------- versions and conflicts


def _tip_record(pair: Pair, tip_id: str) -> dict[str, object]:
    rt = registry().get("tip")
    assert rt is not None
    with pair.commune.engine.connect() as conn:
        row = conn.execute(select(rt.table).where(rt.table.c.id == tip_id)).mappings().one()
        forms = conn.execute(select(rt.children[0].table).where(rt.children[0].table.c.tip_id == tip_id)).mappings().all()
    return row_to_json(rt, dict(row), {"tip_forms": forms})


def test_version_merge_newer_wins_older_is_skipped_equal_with_other_content_is_queued(pair: Pair) -> None:
    rec = Records(pair.commune)
    tip = rec.tip()
    v1 = _tip_record(pair, tip)
    pair.px.imports.import_paths([pair.export_one(pair.root / "b1")])
    rec.edit_tip(tip, "Phiên bản 2")
    v2 = _tip_record(pair, tip)
    outcome = pair.px.imports.import_paths([pair.export_one(pair.root / "b2")]).outcomes[0]
    assert outcome.counts["tip"].updated == 1
    assert record_dump(pair.province) == record_dump(pair.commune)

    older = pair.px.imports.import_bytes(_batch_with(pair, 3, {"tip": [v1]}))
    assert older.status == "accepted" and older.counts["tip"].older == 1

    same = pair.px.imports.import_bytes(_batch_with(pair, 4, {"tip": [v2]}))
    assert same.counts["tip"].unchanged == 1

    clash = dict(v2, summary="Cùng phiên bản, nội dung khác")
    queued = pair.px.imports.import_bytes(_batch_with(pair, 5, {"tip": [clash]}))
    assert queued.counts["tip"].conflicting == 1
    assert record_dump(pair.province) == record_dump(pair.commune)  # nothing overwritten
    conflicts = pair.px.status.conflicts()
    assert len(conflicts) == 1 and conflicts[0].reason == "same_version"
    assert "summary" in conflicts[0].differences()

    kept = pair.px.status.resolve(conflicts[0].id, take_incoming=False)
    assert kept.resolution == "keep_local" and pair.px.status.conflicts() == []
    assert record_dump(pair.province) == record_dump(pair.commune)


def test_taking_the_incoming_version_of_a_conflict_writes_it(pair: Pair) -> None:
    rec = Records(pair.commune)
    tip = rec.tip()
    pair.px.imports.import_paths([pair.export_one()])
    clash = dict(_tip_record(pair, tip), summary="Nội dung của bản đến")
    pair.px.imports.import_bytes(_batch_with(pair, 2, {"tip": [clash]}))
    conflict = pair.px.status.conflicts()[0]
    pair.px.status.resolve(conflict.id, take_incoming=True)
    with pair.province.read() as s:
        row = s.get(Tip, tip)
        assert row is not None and row.summary == "Nội dung của bản đến" and row.version == 1
    with pytest.raises(Exception) as err:
        pair.px.status.resolve(conflict.id, take_incoming=False)
    assert getattr(err.value, "code", "") == "CONFLICT_RESOLVED"


def test_a_record_of_another_installation_is_never_overwritten(pair: Pair) -> None:
    rec = Records(pair.commune)
    tip = rec.tip()
    pair.px.imports.import_paths([pair.export_one()])
    with pair.province.write() as s:  # pretend the province holds it from elsewhere
        s.execute(Tip.__table__.update().where(Tip.__table__.c.id == tip).values(origin_install_id="other-install"))
    newer = dict(_tip_record(pair, tip), version=9, summary="Ghi đè?")
    outcome = pair.px.imports.import_bytes(_batch_with(pair, 2, {"tip": [newer]}))
    assert outcome.counts["tip"].conflicting == 1
    assert pair.px.status.conflicts()[0].reason == "origin"
    with pair.province.read() as s:
        assert s.get(Tip, tip).summary != "Ghi đè?"  # type: ignore[union-attr]


def test_a_record_claiming_another_origin_refuses_the_batch(pair: Pair) -> None:
    rec = Records(pair.commune)
    tip = rec.tip()
    before = full_dump(pair.province)
    bad = dict(_tip_record(pair, tip), origin_install_id="someone-else")
    outcome = pair.px.imports.import_bytes(_batch_with(pair, 1, {"tip": [bad]}))
    assert (outcome.status, outcome.code) == ("refused", "ORIGIN_MISMATCH")
    after = full_dump(pair.province)
    assert {k: v for k, v in after.items() if k not in ("exchange_import_log", "audit_log", "exchange_peers")} == {
        k: v for k, v in before.items() if k not in ("exchange_import_log", "audit_log", "exchange_peers")}


def test_exported_bytes_are_kept_in_the_database(pair: Pair) -> None:
    _seed(pair)
    path = pair.export_one()
    with pair.commune.read() as s:
        row = s.scalars(select(OutBatch)).one()
        assert row.data == path.read_bytes()
    assert peek_header(path.read_bytes()).seq == 1


def test_a_record_clashing_with_a_unique_rule_is_queued_and_the_rest_applied(pair: Pair) -> None:
    rec = Records(pair.commune)
    tip = rec.tip(register_no=5)
    pair.px.imports.import_paths([pair.export_one()])
    clash = dict(_tip_record(pair, tip), id=str(uuid.uuid4()), summary="Sau khi khôi phục: trùng số sổ 5")
    fine = dict(_tip_record(pair, tip), id=str(uuid.uuid4()), register_no=6, summary="Tin báo số 6")
    outcome = pair.px.imports.import_bytes(_batch_with(pair, 2, {"tip": [clash, fine]}))
    assert outcome.status == "accepted"
    assert (outcome.counts["tip"].new, outcome.counts["tip"].conflicting) == (1, 1)
    conflict = pair.px.status.conflicts()[0]
    assert (conflict.reason, conflict.record_id) == ("constraint", clash["id"])
    with pair.province.read() as s:
        assert s.get(Tip, fine["id"]) is not None and s.get(Tip, clash["id"]) is None
    with pytest.raises(Exception) as err:  # taking it would break the rule again
        pair.px.status.resolve(conflict.id, take_incoming=True)
    assert getattr(err.value, "code", "") == "TAKE_INCOMING_FAILED"
