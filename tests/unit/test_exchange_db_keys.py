"""Exchange with databases: who is trusted. Unknown, revoked and wrong-recipient keys refused with
their own codes and the records unchanged; enrolment and trust bundles checked against typed
fingerprints; key rotation; quarantine of batches from a newer tipdesk."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import ADMIN_PASSWORD, install
from tests.unit.exchange_db_support import Pair, Records, record_dump
from tipdesk.db.models import InstallKey
from tipdesk.db.models.exchange import Quarantine, TrustInstalled
from tipdesk.errors import UserError
from tipdesk.exchange import keys as xkeys
from tipdesk.exchange.batchfile import BatchMeta, build_batch
from tipdesk.exchange.format import SCHEMA_VERSION
from tipdesk.exchange.rejects import ImportRejected
from tipdesk.services.auth import open_desk
from tipdesk.services.exchange import Exchange


@pytest.fixture(scope="session")
def template_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("exchange-template")


@pytest.fixture
def pair(tmp_path: Path, template_root: Path) -> Iterator[Pair]:
    p = Pair.make(tmp_path, template_root)
    yield p
    p.close()


def _keys(pair: Pair) -> tuple[object, bytes]:
    with pair.commune.read() as s:
        key = s.scalars(select(InstallKey).where(InstallKey.kind == "sign", InstallKey.retired_at.is_(None))).one()
        trust = s.scalars(select(TrustInstalled)).one()
        return xkeys.load_signing_key(xkeys.b64decode(key.private_key)), xkeys.b64decode(trust.province_enc_pub)


def _batch(pair: Pair, seq: int, *, sign: object = None, recipient: bytes | None = None,
           schema: int = SCHEMA_VERSION, records: dict[str, list[dict[str, object]]] | None = None) -> bytes:
    own_sign, province = _keys(pair)
    meta = BatchMeta(batch_id=str(uuid.uuid4()), install_id=pair.commune_install,
                     commune=pair.commune.installation.unit_code, epoch=1, seq=seq, created_at=pair.clock.now(),
                     schema_version=schema)
    return build_batch(records or {}, {}, meta, sign or own_sign, recipient or province)  # type: ignore[arg-type]


def _imported(pair: Pair) -> Records:
    rec = Records(pair.commune)
    rec.tip()
    rec.person()
    assert pair.px.imports.import_paths([pair.export_one()]).outcomes[0].status == "accepted"
    return rec


# ---------------------------------------------------------------- refused senders


def test_unknown_key_is_refused_and_nothing_changes(pair: Pair) -> None:
    _imported(pair)
    before = record_dump(pair.province)
    stranger = xkeys.generate_signing_key()
    outcome = pair.px.imports.import_bytes(_batch(pair, 2, sign=stranger))
    assert (outcome.status, outcome.code) == ("refused", "UNKNOWN_KEY")
    assert outcome.receipt is None  # nobody to address it to
    assert record_dump(pair.province) == before


def test_revoked_key_is_refused_after_its_point_and_accepted_up_to_it(pair: Pair) -> None:
    rec = _imported(pair)
    kid = xkeys.key_id_from_fingerprint(pair.cx.keys.fingerprint())
    pair.px.peers.revoke(kid, after_epoch=1, after_seq=2)
    rec.tip(summary="Trước khi thu hồi")
    at_point = pair.px.imports.import_paths([pair.export_one(pair.root / "b2")]).outcomes[0]
    assert at_point.status == "accepted" and at_point.seq == 2
    before = record_dump(pair.province)
    rec.tip(summary="Sau khi thu hồi")
    after = pair.px.imports.import_paths([pair.export_one(pair.root / "b3")]).outcomes[0]
    assert (after.status, after.code) == ("refused", "REVOKED_KEY")
    assert after.receipt is not None
    assert record_dump(pair.province) == before
    status = pair.px.status.peers()[0]
    assert status.revoked and status.last_code == "REVOKED_KEY"


def test_wrong_recipient_is_refused_and_nothing_changes(pair: Pair) -> None:
    _imported(pair)
    before = record_dump(pair.province)
    other_office = xkeys.public_bytes(xkeys.generate_encryption_key())
    outcome = pair.px.imports.import_bytes(_batch(pair, 2, recipient=other_office))
    assert (outcome.status, outcome.code) == ("refused", "WRONG_RECIPIENT")
    assert record_dump(pair.province) == before


def test_each_refusal_writes_a_refused_log_row_with_its_code(pair: Pair) -> None:
    codes = []
    for data in (_batch(pair, 1, sign=xkeys.generate_signing_key()), b"not a batch at all",
                 _batch(pair, 1, recipient=xkeys.public_bytes(xkeys.generate_encryption_key()))):
        codes.append(pair.px.imports.import_bytes(data).code)
    assert codes == ["UNKNOWN_KEY", "NOT_A_BATCH", "WRONG_RECIPIENT"]
    with pair.province.read() as s:
        from tipdesk.db.models.exchange import ImportLog

        rows = s.execute(select(ImportLog.status, ImportLog.reject_code).order_by(ImportLog.id)).all()
    assert [tuple(r) for r in rows] == [("refused", c) for c in codes]


# ---------------------------------------------------------------- quarantine


def test_a_batch_from_a_newer_schema_is_quarantined_with_its_bytes(pair: Pair) -> None:
    data = _batch(pair, 1, schema=SCHEMA_VERSION + 1)
    outcome = pair.px.imports.import_bytes(data)
    assert (outcome.status, outcome.code) == ("quarantined", "SCHEMA_TOO_NEW")
    with pair.province.read() as s:
        row = s.scalars(select(Quarantine)).one()
        assert row.data == data and row.seq == 1
    assert pair.px.imports.import_bytes(data).status == "quarantined"  # kept once, not twice
    with pair.province.read() as s:
        assert s.scalar(select(func.count()).select_from(Quarantine)) == 1


def test_unknown_fields_are_quarantined_not_applied(pair: Pair) -> None:
    record = {"id": str(uuid.uuid4()), "version": 1, "from_the_future": True}
    outcome = pair.px.imports.import_bytes(_batch(pair, 1, records={"tip": [record]}))
    assert (outcome.status, outcome.code) == ("quarantined", "UNKNOWN_RECORD_FIELDS")
    outcome = pair.px.imports.import_bytes(_batch(pair, 2, records={"hologram": [{"id": "x"}]}))
    assert outcome.code == "UNKNOWN_RECORD_FIELDS"
    assert len(pair.px.status.quarantine()) == 2


def test_a_malformed_record_refuses_the_whole_batch(pair: Pair) -> None:
    rec = Records(pair.commune)
    rec.tip()
    good = pair.export_one()
    before = record_dump(pair.province)
    bad = {"id": "not-a-uuid"}
    outcome = pair.px.imports.import_bytes(_batch(pair, 1, records={"tip_event": [bad]}))
    assert (outcome.status, outcome.code) == ("refused", "BAD_RECORD")
    assert record_dump(pair.province) == before
    assert pair.px.imports.import_paths([good]).outcomes[0].status == "accepted"


# ---------------------------------------------------------------- enrolment and trust


def test_enrolment_needs_the_fingerprint_read_over_the_phone(tmp_path: Path, pair: Pair) -> None:
    other = install(tmp_path / "other", pair.clock, "commune", "00691")
    desk = open_desk("admin", ADMIN_PASSWORD, data_dir=other.data_dir, clock=pair.clock)
    try:
        ox = Exchange(desk)
        data, fp = ox.keys.enrolment_file(), ox.keys.fingerprint()
    finally:
        desk.close()
    wrong = pair.cx.keys.fingerprint()
    with pytest.raises(UserError) as err:
        pair.px.peers.enrol(data, wrong)
    assert err.value.code == "FINGERPRINT_MISMATCH"
    with pytest.raises(UserError) as err:
        pair.px.peers.enrol(data, fp[:-1] + ("A" if fp[-1] != "A" else "B"))
    assert err.value.code == "BAD_FINGERPRINT"  # a typo is caught by the check characters
    view = pair.px.peers.enrol(data, fp.lower().replace("-", " "))
    assert view.commune == "00691" and view.fingerprint == fp
    assert pair.px.peers.enrol(data, fp).key_id == view.key_id  # twice is harmless


def test_a_commune_of_another_province_cannot_be_enrolled(tmp_path: Path, pair: Pair) -> None:
    other = install(tmp_path / "far", pair.clock, "commune", "00070")
    desk = open_desk("admin", ADMIN_PASSWORD, data_dir=other.data_dir, clock=pair.clock)
    try:
        ox = Exchange(desk)
        data, fp = ox.keys.enrolment_file(), ox.keys.fingerprint()
    finally:
        desk.close()
    with pytest.raises(UserError) as err:
        pair.px.peers.enrol(data, fp)
    assert err.value.code == "NOT_THIS_PROVINCE"


def test_trust_bundle_needs_the_province_fingerprint_and_never_rolls_back(pair: Pair) -> None:
    newer = pair.px.keys.export_trust_bundle()
    with pytest.raises(ImportRejected) as err:
        pair.cx.keys.install_trust_bundle(newer, pair.cx.keys.fingerprint())  # the commune's own, not the root
    assert err.value.code == "TRUST_BUNDLE_SIGNATURE"
    view = pair.cx.keys.install_trust_bundle(newer, pair.px.keys.fingerprint())
    assert view.version == 2 and not view.expired
    with pair.province.write() as s:  # a bundle version the commune has passed
        from tipdesk.db.models.exchange import ExchangeState

        state = s.get(ExchangeState, 1)
        assert state is not None
        state.bundle_version = 0
    old = pair.px.keys.export_trust_bundle()
    with pytest.raises(ImportRejected) as err:
        pair.cx.keys.install_trust_bundle(old, pair.px.keys.fingerprint())
    assert err.value.code == "TRUST_BUNDLE_ROLLBACK"


def test_export_needs_a_current_trust_bundle(pair: Pair) -> None:
    Records(pair.commune).tip()
    pair.clock.advance(days=400)
    with pytest.raises(UserError) as err:
        pair.cx.export.export(pair.root / "usb")
    assert err.value.code == "TRUST_EXPIRED"


def test_key_rotation_old_batches_still_accepted_new_key_trusted(pair: Pair) -> None:
    rec = Records(pair.commune)
    rec.tip()
    before_rotation = pair.export_one(pair.root / "b1")
    rotation = pair.cx.keys.rotate(pair.root / "rot.tdk")
    assert rotation.path.exists()
    rec.tip(summary="Ký bằng khóa mới")
    after_rotation = pair.export_one(pair.root / "b2")
    refused = pair.px.imports.import_paths([after_rotation]).outcomes[0]
    assert refused.code == "UNKNOWN_KEY"  # the rotation record has not reached the province yet
    view = pair.px.peers.accept_rotation(rotation.path.read_bytes())
    assert view.key_id == rotation.key_id and view.source == "rotation"
    report = pair.px.imports.import_paths([before_rotation, after_rotation])
    assert [o.status for o in report.outcomes] == ["accepted", "accepted"]
    assert record_dump(pair.province) == record_dump(pair.commune)
    old_forged = _batch(pair, 3, sign=_old_key(pair))
    assert pair.px.imports.import_bytes(old_forged).code == "REVOKED_KEY"


def _old_key(pair: Pair) -> object:
    with pair.commune.read() as s:
        key = s.scalars(select(InstallKey).where(InstallKey.kind == "sign", InstallKey.retired_at.is_not(None))).one()
        return xkeys.load_signing_key(xkeys.b64decode(key.private_key))


def test_province_revocations_travel_in_the_next_trust_bundle(pair: Pair) -> None:
    kid = xkeys.key_id_from_fingerprint(pair.cx.keys.fingerprint())
    pair.px.peers.revoke(kid, after_epoch=1, after_seq=0)
    view = pair.cx.keys.install_trust_bundle(pair.px.keys.export_trust_bundle(), pair.px.keys.fingerprint())
    assert view.own_key_revoked
    assert pair.cx.keys.show().trust is not None


def test_key_listing_and_qr(pair: Pair) -> None:
    keys = pair.px.keys.show()
    assert sorted(k.kind for k in keys.keys) == ["encrypt", "receipt", "sign"]
    assert pair.cx.keys.fingerprint_qr_png().startswith(b"\x89PNG")
    assert dt.datetime.now(dt.UTC) > keys.keys[0].created_at - dt.timedelta(days=3650)


def test_a_record_from_an_older_tipdesk_is_completed_with_column_defaults(pair: Pair) -> None:
    tip_id, now = str(uuid.uuid4()), "2026-03-10T03:00:00.000000Z"
    older = {"id": tip_id, "version": 1, "created_at": now, "updated_at": now,
             "origin_install_id": pair.commune_install, "unit_code": "02269", "register_year": 2026,
             "register_no": 77, "source_type": "citizen", "channel": "phone", "received_at": now,
             "status": "received"}  # no optional columns, no trafficking forms: an older record shape
    outcome = pair.px.imports.import_bytes(_batch(pair, 1, records={"tip": [older]}))
    assert outcome.status == "accepted" and outcome.counts["tip"].new == 1
    with pair.province.read() as s:
        from tipdesk.db.models.tips import Tip

        tip = s.get(Tip, tip_id)
        assert tip is not None and tip.summary == "" and tip.urgent is False
    missing_required = dict(older, id=str(uuid.uuid4()))
    del missing_required["status"]
    refused = pair.px.imports.import_bytes(_batch(pair, 2, records={"tip": [missing_required]}))
    assert (refused.status, refused.code) == ("refused", "BAD_RECORD")


def test_a_quarantined_batch_stays_aside_until_this_tipdesk_reads_it(pair: Pair) -> None:
    pair.px.imports.import_bytes(_batch(pair, 1, schema=SCHEMA_VERSION + 1))
    kept = pair.px.status.quarantine()[0]
    again = pair.px.imports.release_quarantined(kept.id)
    assert again.status == "quarantined"
    assert pair.px.status.quarantine()[0].released_at is None
