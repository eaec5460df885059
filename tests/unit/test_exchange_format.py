"""Batch format v1: canonical JSON, keys, round trip, tampering, key checks, receipts, trust files."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import random
from dataclasses import replace
from pathlib import Path

import pytest

from tests.unit.exchange_support import CREATED, SAMPLE_ATTACHMENT, SAMPLE_RECORDS, jsonl, make_world
from tipdesk.exchange import keys
from tipdesk.exchange.batchfile import (
    authenticate_batch,
    build_batch,
    open_authenticated,
    open_batch,
    write_batch_atomic,
)
from tipdesk.exchange.batchwrite import build_inner
from tipdesk.exchange.canonical import (
    NotCanonicalError,
    StrictJSONError,
    canonical_bytes,
    pae,
    strict_loads,
)
from tipdesk.exchange.enrolment import build_enrolment, make_rotation, verify_enrolment, verify_rotation
from tipdesk.exchange.envelope import seal_envelope
from tipdesk.exchange.format import (
    ROTATION_PAYLOAD_TYPE,
    Limits,
    batch_filename,
    batch_sha256,
    peek_header,
    unframe,
)
from tipdesk.exchange.receipts import ReceiptStatus, build_receipt, verify_receipt
from tipdesk.exchange.rejects import ExportFailed, ImportRejected
from tipdesk.exchange.trust import Revocation, TrustedKey, build_trust_bundle, verify_trust_bundle


def _code(exc_info: pytest.ExceptionInfo[ImportRejected]) -> str:
    return exc_info.value.code


# ---------------------------------------------------------------- canonical JSON and PAE


def test_canonical_sorted_compact_nfc() -> None:
    decomposed = "Nguye\u0302\u0303n"  # e + combining circumflex + combining tilde
    data = canonical_bytes({"b": 1, "a": [decomposed, None, True]})
    assert data == '{"a":["Nguyễn",null,true],"b":1}'.encode()


@pytest.mark.parametrize("bad", [1.5, {"x": float("nan")}, {1: "int key"}, b"bytes", 2**53])
def test_canonical_refuses(bad: object) -> None:
    with pytest.raises(NotCanonicalError):
        canonical_bytes(bad)


def test_pae_matches_dsse_vector() -> None:
    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )
    assert pae("t", b"ab", b"cd") == pae("t", b"abcd")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b'{"a":1,"a":2}', "DUPLICATE_KEY"),
        (b'{"a":NaN}', "NAN"),
        (b"[Infinity]", "NAN"),
        (b"[-Infinity]", "NAN"),
        (b"[1.0]", "BAD_JSON"),
        (b"[1e3]", "BAD_JSON"),
        (b"[9007199254740992]", "BAD_JSON"),
        (b'["\xff"]', "BAD_JSON"),
        (b'\xef\xbb\xbf{"a":1}', "BAD_JSON"),
        (b"[" * 40 + b"]" * 40, "TOO_DEEP"),
        (b'{"a":"' + b"x" * 101 + b'"}', "FIELD_TOO_LARGE"),
        (b'{"' + b"k" * 101 + b'":1}', "FIELD_TOO_LARGE"),
        (b"[" + b"1," * 600 + b"1]", "FIELD_TOO_LARGE"),
        (b"{", "BAD_JSON"),
    ],
)
def test_strict_loads_refuses(raw: bytes, code: str) -> None:
    with pytest.raises(StrictJSONError) as info:
        strict_loads(raw, max_bytes=1000, max_depth=32, max_string_chars=100)
    assert info.value.code == code


def test_strict_loads_depth_ignores_brackets_in_strings() -> None:
    value = strict_loads(b'{"a":"[[[[[[[[[[\\"[[[["}', max_bytes=100, max_depth=1)
    assert value == {"a": '[[[[[[[[[["[[[['}


def test_strict_loads_recursion_error_is_too_deep() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(StrictJSONError) as info:  # depth pre-check disabled: json's own RecursionError
        strict_loads(deep, max_bytes=10**6, max_depth=10**6)
    assert info.value.code == "TOO_DEEP"


# ---------------------------------------------------------------- keys


def test_key_id_is_base32_of_sha256_prefix() -> None:
    pub = bytes(range(32))
    expected = base64.b32encode(hashlib.sha256(pub).digest()[:8]).decode().rstrip("=")
    assert keys.key_id(pub) == expected
    assert len(expected) == 13


def test_fingerprint_round_trip_and_typo() -> None:
    pub = bytes(range(32))
    fp = keys.fingerprint(pub)
    assert len(fp) == 19 and fp.count("-") == 3 and fp.replace("-", "")[:13] == keys.key_id(pub)
    assert keys.key_id_from_fingerprint(fp.lower().replace("-", " ")) == keys.key_id(pub)
    wrong = ("B" if fp[0] != "B" else "C") + fp[1:]
    with pytest.raises(ImportRejected) as info:
        keys.key_id_from_fingerprint(wrong)
    assert _code(info) == "BAD_FINGERPRINT"


def test_fingerprint_qr() -> None:
    fp = keys.fingerprint(bytes(32))
    assert "<svg" in keys.fingerprint_qr_svg(fp)
    assert keys.fingerprint_qr_png(fp).startswith(b"\x89PNG\r\n\x1a\n")


def test_key_serialisation_round_trip() -> None:
    sk, ek = keys.generate_signing_key(), keys.generate_encryption_key()
    assert keys.public_bytes(keys.load_signing_key(keys.private_bytes(sk))) == keys.public_bytes(sk)
    assert keys.public_bytes(keys.load_decryption_key(keys.private_bytes(ek))) == keys.public_bytes(ek)
    assert keys.b64decode(keys.b64encode(b"\x00\x01")) == b"\x00\x01"
    with pytest.raises(ImportRejected):
        keys.load_verify_key(b"short")
    with pytest.raises(ValueError):
        keys.b64decode("AAE=\n")


# ---------------------------------------------------------------- round trip


def test_round_trip() -> None:
    world = make_world()
    data = world.batch()
    opened = world.open(data)
    assert opened.records == SAMPLE_RECORDS
    assert opened.attachments == {hashlib.sha256(SAMPLE_ATTACHMENT).hexdigest(): SAMPLE_ATTACHMENT}
    assert opened.manifest.counts == {"tip": 2, "victim": 1}
    assert (opened.header.epoch, opened.header.seq, opened.header.created_at) == (1, 5, CREATED)
    assert opened.manifest.install_id == world.install_id and opened.manifest.commune == world.commune
    assert opened.sha256 == batch_sha256(data) == hashlib.sha256(data).hexdigest()
    assert peek_header(data) == opened.header
    assert data.startswith(b"TDBATCH1")


def test_split_pipeline_exposes_header_before_decrypt() -> None:
    world = make_world()
    data = world.batch()
    auth = authenticate_batch(data, world.store, [world.province])
    assert auth.header == peek_header(data)
    assert open_authenticated(auth).records == SAMPLE_RECORDS


def test_old_province_key_still_opens() -> None:
    world = make_world()
    data = world.batch()
    newer = keys.generate_encryption_key()
    assert open_batch(data, world.store, [newer, world.province]).records == SAMPLE_RECORDS


def test_batch_filename() -> None:
    assert batch_filename("26734", 2, 17) == "26734-2-17.tdb"
    with pytest.raises(ValueError):
        batch_filename("../x", 1, 1)


def test_size_cap_is_a_parameter() -> None:
    world = make_world()
    data = world.batch()
    assert world.code(data, limits=Limits(max_batch_bytes=len(data) - 1)) == "TOO_LARGE"
    assert world.code(data, limits=Limits(max_batch_bytes=len(data))) is None


def test_build_refuses_oversize_batch_and_record() -> None:
    world = make_world()
    with pytest.raises(ExportFailed) as info:
        build_batch(SAMPLE_RECORDS, {}, world.meta(), world.sender, world.province.public_key(),
                    limits=Limits(max_batch_bytes=500))  # fmt: skip
    assert info.value.code == "BATCH_TOO_LARGE"
    with pytest.raises(ExportFailed) as info:
        world.batch({"tip": [{"uuid": "u1", "note": "x" * 300_000}]})
    assert info.value.code == "RECORD_TOO_LARGE" and "u1" in info.value.message


# ---------------------------------------------------------------- schema versions


def test_schema_newer_quarantined() -> None:
    world = make_world()
    with pytest.raises(ImportRejected) as info:
        world.open(world.batch(schema_version=2))
    assert _code(info) == "SCHEMA_TOO_NEW"
    assert info.value.header is not None  # the caller can log and quarantine it


def test_schema_older_accepted_and_too_old_refused() -> None:
    world = make_world()
    opened = world.open(world.batch(schema_version=1), current_schema=2)
    assert opened.schema_version == 1 and opened.records == SAMPLE_RECORDS
    assert world.code(world.batch(schema_version=1), current_schema=3) == "SCHEMA_TOO_OLD"


# ---------------------------------------------------------------- tampering


def test_tamper_every_byte() -> None:
    world = make_world()
    data = world.batch()  # about 2 KB: records and one attachment
    assert world.code(data) is None
    rng = random.Random(1)
    codes: set[str] = set()
    tried = 0
    for offset in range(len(data)):  # every offset, four different flips each
        for mask in (0x01, 0x80, 0xFF, rng.randrange(1, 256)):
            mutated = bytearray(data)
            mutated[offset] ^= mask
            code = world.code(bytes(mutated))
            assert code is not None, f"flip {mask:#x} at offset {offset} was accepted"
            codes.add(code)
            tried += 1
    assert tried >= 5000
    assert {"NOT_A_BATCH", "BAD_HEADER", "BAD_SIGNATURE", "UNKNOWN_KEY", "WRONG_RECIPIENT"} <= codes


def test_truncation_and_extension_refused() -> None:
    world = make_world()
    data = world.batch()
    for cut in (0, 7, 12, 100, len(data) - 64, len(data) - 1):
        assert world.code(data[:cut]) in {"NOT_A_BATCH", "BAD_HEADER"}
    assert world.code(data + b"\x00") == "NOT_A_BATCH"
    assert world.code(b"TDBATCH2" + data[8:]) == "UNSUPPORTED_FORMAT"


def test_header_edit_resigned_outer_only_fails_decrypt() -> None:
    """The HPKE info binds the header: re-signing an edited header with the real key is not enough."""
    world = make_world()
    data = world.batch()
    framed = unframe(data)
    edited = replace(framed.header, seq=framed.header.seq + 1)
    from tipdesk.exchange.canonical import pae as _pae
    from tipdesk.exchange.format import BATCH_PAYLOAD_TYPE, frame

    header_bytes = edited.to_bytes()
    ct = bytes(framed.ciphertext)
    forged = frame(header_bytes, ct, world.sender.sign(_pae(BATCH_PAYLOAD_TYPE, header_bytes, ct)))
    assert world.code(forged) == "DECRYPT_FAILED"


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 6},
        {"epoch": 2},
        {"created_at": CREATED + dt.timedelta(seconds=1)},
        {"batch_id": "11111111-2222-4333-8444-555555555555"},
    ],
)
def test_trusted_fields_bound(change: dict[str, object]) -> None:
    """Header fields re-encrypted and re-signed with the real key still disagree with the manifest."""
    world = make_world()
    meta = world.meta()
    data = world.batch()
    inner = world.inner(data)
    original = peek_header(data)
    resealed = world.reseal(inner, replace(meta, batch_id=original.batch_id), **change)
    assert world.code(resealed) == "HEADER_MANIFEST_MISMATCH"


def _manifest_edit_batch(world, edit):  # type: ignore[no-untyped-def]
    """Batch whose manifest was edited by ``edit`` and then signed with the real sender key."""
    files = [("records/tip.jsonl", jsonl(*SAMPLE_RECORDS["tip"]))]
    manifest_bytes, sig, meta = world.signed_payload(files, manifest_edit=edit)
    return world.reseal(build_inner(manifest_bytes, sig, files), meta)


def test_manifest_edit_without_resign() -> None:
    world = make_world()
    files = [("records/tip.jsonl", jsonl(*SAMPLE_RECORDS["tip"]))]
    manifest_bytes, sig, meta = world.signed_payload(files)
    edited = manifest_bytes.replace(b'"tip":2', b'"tip":1')
    assert edited != manifest_bytes
    assert world.code(world.reseal(build_inner(edited, sig, files), meta)) == "BAD_MANIFEST_SIGNATURE"


def test_manifest_signed_by_other_installation() -> None:
    """Inner made by one enrolled installation, outer re-signed by another: refused."""
    mallory = make_world()
    world = make_world()
    world.store.add(TrustedKey(mallory.sender_kid, keys.public_bytes(mallory.sender), install_id=world.install_id,
                               commune=world.commune))  # fmt: skip
    mallory.province = world.province
    stolen = world.inner(world.batch())
    forged = mallory.reseal(stolen, world.meta())
    assert world.code(forged) == "BAD_MANIFEST_SIGNATURE"


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        (lambda m: m["files"][0].update(sha256="0" * 64), "HASH_MISMATCH"),
        (lambda m: m["files"][0].update(bytes=m["files"][0]["bytes"] + 1), "HASH_MISMATCH"),
        (lambda m: m["counts"].update(tip=3), "COUNT_MISMATCH"),
        (lambda m: m.update(seq=6), "HEADER_MANIFEST_MISMATCH"),
        (lambda m: m.update(recipient_key_id="AAAAAAAAAAAAA"), "HEADER_MANIFEST_MISMATCH"),
        (lambda m: m.update(install_id="someone-else"), "SENDER_MISMATCH"),
        (lambda m: m.update(commune="99999"), "SENDER_MISMATCH"),
        (lambda m: m.update(extra=1), "BAD_MANIFEST"),
        (lambda m: m.update(epoch=True), "BAD_MANIFEST"),
        (lambda m: m["files"].append({"name": "records/victim.jsonl", "sha256": "0" * 64, "bytes": 0}),
         "BAD_MANIFEST"),  # counts do not list victim
        (lambda m: (m["files"].append({"name": "records/victim.jsonl", "sha256": "0" * 64, "bytes": 0}),
                    m["counts"].update(victim=0)), "FILE_SET_MISMATCH"),
    ],
)  # fmt: skip
def test_signed_manifest_content_checked(edit, code: str) -> None:  # type: ignore[no-untyped-def]
    world = make_world()
    assert world.code(_manifest_edit_batch(world, edit)) == code


def test_extra_and_missing_files() -> None:
    world = make_world()
    files = [("records/tip.jsonl", jsonl(*SAMPLE_RECORDS["tip"]))]
    manifest_bytes, sig, meta = world.signed_payload(files)
    extra = build_inner(manifest_bytes, sig, [*files, ("att/" + "a" * 64 + ".bin", b"x")])
    assert world.code(world.reseal(extra, meta)) == "FILE_SET_MISMATCH"
    missing = build_inner(manifest_bytes, sig, [])
    assert world.code(world.reseal(missing, meta)) == "FILE_SET_MISMATCH"
    no_manifest = build_inner(manifest_bytes, sig, files).replace(b"manifest.json", b"manifesx.json")
    assert world.code(world.reseal(no_manifest, meta)) == "BAD_MANIFEST"


# ---------------------------------------------------------------- key checks


def test_unknown_key() -> None:
    world = make_world()
    stranger = make_world()
    stranger.province = world.province
    assert world.code(stranger.batch()) == "UNKNOWN_KEY"


@pytest.mark.parametrize(("epoch", "seq", "code"), [(1, 4, None), (1, 5, None), (1, 6, "REVOKED_KEY"),
                                                    (2, 1, "REVOKED_KEY"), (1, 1, None)])  # fmt: skip
def test_revoked_key_after_seq(epoch: int, seq: int, code: str | None) -> None:
    world = make_world(revocation=None)
    kid = world.sender_kid
    world.store.add(replace(world.store.sender_key(kid), revocation=Revocation(kid, 1, 5)))  # type: ignore[arg-type]
    assert world.code(world.batch(epoch=epoch, seq=seq)) == code


def test_wrong_recipient() -> None:
    world = make_world()
    other_office = keys.generate_encryption_key()
    data = world.batch()
    with pytest.raises(ImportRejected) as info:
        open_batch(data, world.store, [other_office])
    assert _code(info) == "WRONG_RECIPIENT" and info.value.header == peek_header(data)


def test_legacy_alg() -> None:
    world = make_world(algorithm="ed25519-legacy")
    assert world.code(world.batch()) == "BAD_ALGORITHM"


def test_bad_outer_signature() -> None:
    world = make_world()
    data = bytearray(world.batch())
    data[-1] ^= 1
    assert world.code(bytes(data)) == "BAD_SIGNATURE"


# ---------------------------------------------------------------- atomic write


def test_export_atomic(tmp_path: Path) -> None:
    world = make_world()
    data = world.batch()
    tmp_path = tmp_path / "usb"
    tmp_path.mkdir()
    path = write_batch_atomic(data, tmp_path, "26734-1-5.tdb")
    assert path == tmp_path / "26734-1-5.tdb" and path.read_bytes() == data
    assert [p.name for p in tmp_path.iterdir()] == ["26734-1-5.tdb"]
    path2 = write_batch_atomic(data[:-1] + b"!", tmp_path, "26734-1-5.tdb")  # replaces
    assert path2.read_bytes().endswith(b"!")
    with pytest.raises(ExportFailed) as info:
        write_batch_atomic(data, tmp_path / "missing", "x.tdb")
    assert info.value.code == "EXPORT_WRITE_FAILED"
    with pytest.raises(ValueError):
        write_batch_atomic(data, tmp_path, "../x.tdb")


def test_export_verify_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch, pytest.raises(ExportFailed) as info:
        patch.setattr(Path, "read_bytes", lambda self: b"corrupted by a lying USB stick")
        write_batch_atomic(b"data", tmp_path, "a.tdb")
    assert info.value.code == "EXPORT_VERIFY_FAILED"


# ---------------------------------------------------------------- receipts


def _receipt(signing_key, **changes):  # type: ignore[no-untyped-def]
    fields = dict(batch_id="0b0c6e2e-0000-4000-8000-00000000000a", install_id="inst-0001", epoch=1, seq=7,
                  sha256="ab" * 32, status=ReceiptStatus.ACCEPTED, counts={"tip": 2}, highest_contiguous_seq=5,
                  missing=[6])  # fmt: skip
    fields.update(changes)
    return build_receipt(signing_key=signing_key, **fields)


def test_receipt_sig() -> None:
    province = keys.generate_signing_key()
    data = _receipt(province)
    receipt = verify_receipt(data, province.public_key())
    assert (receipt.seq, receipt.status, receipt.missing, receipt.counts) == (7, "accepted", (6,), {"tip": 2})
    assert _receipt(province) == data  # deterministic: a replay gets the same receipt
    with pytest.raises(ImportRejected) as info:
        verify_receipt(data, keys.generate_signing_key().public_key())
    assert _code(info) == "BAD_RECEIPT_SIGNATURE"
    env = json.loads(data)
    body = json.loads(base64.b64decode(env["payload"]))
    body["seq"] = 8
    env["payload"] = base64.b64encode(canonical_bytes(body)).decode()
    with pytest.raises(ImportRejected) as info:
        verify_receipt(canonical_bytes(env), province.public_key())
    assert _code(info) == "BAD_RECEIPT_SIGNATURE"
    with pytest.raises(ImportRejected) as info:
        verify_receipt(b"not json", province.public_key())
    assert _code(info) == "BAD_RECEIPT"


def test_receipt_refused_needs_code_and_no_personal_fields() -> None:
    province = keys.generate_signing_key()
    data = _receipt(
        province, status=ReceiptStatus.REFUSED, reject_code="BAD_SIGNATURE", counts={}, missing=[]
    )
    receipt = verify_receipt(data, province.public_key())
    assert receipt.reject_code == "BAD_SIGNATURE"
    body = json.loads(base64.b64decode(json.loads(data)["payload"]))
    assert set(body) == {"fmt", "batch_id", "install", "epoch", "seq", "sha256", "status", "reject_code", "counts",
                         "highest_contiguous_seq", "missing"}  # fmt: skip
    with pytest.raises(ValueError):
        _receipt(province, status=ReceiptStatus.REFUSED)


# ---------------------------------------------------------------- enrolment, trust bundle, rotation


def test_enrolment_round_trip_and_tamper() -> None:
    sk = keys.generate_signing_key()
    data = build_enrolment("inst-0001", "26734", sk)
    enrolment = verify_enrolment(data)
    assert enrolment.key_id == keys.key_id(sk.public_key())
    assert enrolment.fingerprint == keys.fingerprint(sk.public_key())
    tampered = data.replace(b'"26734"', b'"26735"')
    with pytest.raises(ImportRejected) as info:
        verify_enrolment(tampered)
    assert _code(info) == "BAD_ENROLMENT"
    other = keys.b64encode(keys.public_bytes(keys.generate_signing_key()))
    swapped = json.loads(data)
    swapped["sign_pub"] = other
    with pytest.raises(ImportRejected):
        verify_enrolment(canonical_bytes(swapped))


def _bundle(root, **changes):  # type: ignore[no-untyped-def]
    fields = dict(version=3, issued_at=CREATED, expires_at=CREATED + dt.timedelta(days=365),
                  province_enc_pub=keys.generate_encryption_key().public_key(),
                  receipt_pub=keys.generate_signing_key().public_key(),
                  revocations=[Revocation("AAAAAAAAAAAAA", 1, 9)])  # fmt: skip
    fields.update(changes)
    return build_trust_bundle(root_key=root, **fields)


def test_trust_bundle_signature() -> None:
    root = keys.generate_signing_key()
    fp = keys.fingerprint(root.public_key())
    now = CREATED + dt.timedelta(days=1)
    data = _bundle(root)
    bundle = verify_trust_bundle(data, now=now, root_fingerprint=fp, installed_version=3)
    assert bundle.version == 3 and bundle.revocation_for("AAAAAAAAAAAAA") == Revocation("AAAAAAAAAAAAA", 1, 9)
    assert verify_trust_bundle(data, now=now, root_pub=keys.public_bytes(root)).version == 3
    impostor = keys.generate_signing_key()
    cases = [
        (lambda: verify_trust_bundle(_bundle(impostor), now=now, root_fingerprint=fp), "TRUST_BUNDLE_SIGNATURE"),
        (lambda: verify_trust_bundle(data, now=CREATED + dt.timedelta(days=400), root_fingerprint=fp),
         "TRUST_BUNDLE_EXPIRED"),
        (lambda: verify_trust_bundle(data, now=now, root_fingerprint=fp, installed_version=4),
         "TRUST_BUNDLE_ROLLBACK"),
        (lambda: verify_trust_bundle(data[:-3] + b'"}', now=now, root_fingerprint=fp), "BAD_TRUST_BUNDLE"),
    ]  # fmt: skip
    for call, code in cases:
        with pytest.raises(ImportRejected) as info:
            call()
        assert _code(info) == code


def test_trust_bundle_body_swap_with_root_pub_inside() -> None:
    """An impostor who copies the real root public key into the body still cannot sign it."""
    root, impostor = keys.generate_signing_key(), keys.generate_signing_key()
    env = json.loads(_bundle(impostor))
    body = json.loads(base64.b64decode(env["payload"]))
    body["root_pub"] = keys.b64encode(keys.public_bytes(root))
    env["payload"] = base64.b64encode(canonical_bytes(body)).decode()
    with pytest.raises(ImportRejected) as info:
        verify_trust_bundle(
            canonical_bytes(env), now=CREATED, root_fingerprint=keys.fingerprint(root.public_key())
        )
    assert _code(info) == "TRUST_BUNDLE_SIGNATURE"


def test_rotation() -> None:
    old, new = keys.generate_signing_key(), keys.generate_signing_key()
    data = make_rotation(
        old, new, install_id="inst-0001", effective_epoch=1, effective_seq=40, created_at=CREATED
    )
    rotation = verify_rotation(data, old.public_key())
    assert rotation.new_pub == keys.public_bytes(new) and rotation.effective_seq == 40
    assert rotation.old_key_id == keys.key_id(old.public_key())
    with pytest.raises(ImportRejected):
        verify_rotation(data, keys.generate_signing_key().public_key())
    body = json.loads(base64.b64decode(json.loads(data)["payload"]))
    for signers in ([old], [new], [new, new], [old, keys.generate_signing_key()]):
        with pytest.raises(ImportRejected) as info:
            verify_rotation(seal_envelope(ROTATION_PAYLOAD_TYPE, body, signers), old.public_key())
        assert _code(info) == "BAD_ROTATION"


# ---------------------------------------------------------------- messages


def test_empty_record_type_round_trip() -> None:
    world = make_world()
    opened = world.open(world.batch({"tip": [], "victim": SAMPLE_RECORDS["victim"]}, {}))
    assert opened.records == {"tip": [], "victim": SAMPLE_RECORDS["victim"]}
    assert opened.manifest.counts == {"tip": 0, "victim": 1} and opened.attachments == {}


def test_messages_are_formatted_and_actionable() -> None:
    world = make_world()
    with pytest.raises(ImportRejected) as info:
        world.open(world.batch(schema_version=2))
    assert "2" in info.value.message and "{" not in info.value.message
    stranger = make_world()
    stranger.province = world.province
    with pytest.raises(ImportRejected) as info:
        world.open(stranger.batch())
    assert info.value.code == "UNKNOWN_KEY" and str(info.value) == info.value.message


def test_every_message_has_a_vietnamese_translation() -> None:
    from babel.messages.pofile import read_po

    from tipdesk.exchange.rejects import MESSAGES
    from tipdesk.i18n import placeholders

    po = Path(__file__).resolve().parents[2] / "i18n" / "vi_parts" / "exchange_format.po"
    with open(po, "rb") as fh:
        catalog = read_po(fh, locale="vi")
    for msgid in MESSAGES.values():
        message = catalog.get(msgid)
        assert message is not None and message.string, msgid
        assert placeholders(str(message.string)) == placeholders(msgid), msgid
