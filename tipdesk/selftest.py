"""``tipdesk --self-test``: check an installation (also a frozen build) end to end, then exit 0 or 1.

Everything happens in a temporary folder; the user's data folder is never touched. The steps:
bundled data (translations, administrative units, fonts), a temporary encrypted commune database
(set up, log in, save and read a record, audit chain), a Decree 30 PDF, Ed25519 signing, a signed
and encrypted batch built and opened (when the exchange package is there), an encrypted backup
written and verified, and (``--qt``) the graphical toolkit started offscreen.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from tipdesk import __version__, i18n, paths
from tipdesk.i18n import _

SELFTEST_UNIT = "02269"  # any commune of the 2025 list
SELFTEST_USER = "selftest.user"


@dataclass
class _Context:
    tmp: Path
    password: str = field(default_factory=lambda: "selftest " + secrets.token_hex(8))
    desk: object | None = None


Step = Callable[[_Context], str]


def _bundled_data(ctx: _Context) -> str:
    from tipdesk.domain import units

    catalog = i18n.compiled_catalog("vi")
    if not catalog:
        raise RuntimeError("the Vietnamese catalog is missing")
    commune = units.commune(SELFTEST_UNIT)
    fonts = sorted(p.name for p in paths.fonts_dir().glob("*.ttf"))
    if not fonts:
        raise RuntimeError("no bundled fonts")
    return f"vi catalog {len(catalog)} bytes, {commune.code}, {len(fonts)} fonts"


def _database(ctx: _Context) -> str:
    from tipdesk.domain.roles import Role
    from tipdesk.services.auth import open_desk
    from tipdesk.services.setup import initialise

    data = ctx.tmp / "data"
    initialise("commune", SELFTEST_UNIT, "admin", ctx.password, data_dir=data)
    desk = open_desk("admin", ctx.password, data_dir=data)
    ctx.desk = desk
    desk.users.add(SELFTEST_USER, Role.SOCIAL_WORKER, ctx.password, "Self Test")
    saved = {u.username: u.role for u in desk.users.list()}
    if saved.get(SELFTEST_USER) is not Role.SOCIAL_WORKER:
        raise RuntimeError("the saved record was not read back")
    if not desk.audit.verify().ok:
        raise RuntimeError("the audit chain does not verify")
    return f"{len(saved)} users, cipher ok"


def _pdf(ctx: _Context) -> str:
    from tipdesk.reports.decree30 import DocumentHeader, SignatureBlock, build_pdf, paragraph

    header = DocumentHeader("CÔNG AN TỈNH TUYÊN QUANG", "CÔNG AN XÃ THƯỢNG LÂM", "01/2026/KT",
                            "Thượng Lâm", dt.date(2026, 1, 5), "BIÊN BẢN KIỂM TRA")
    buf = io.BytesIO()
    pages = build_pdf(buf, header, [paragraph("Kiểm tra phông chữ tiếng Việt: ăâđêôơư ẮẰẲẴẶ ỹỵ.")],
                      SignatureBlock("TRƯỞNG CÔNG AN XÃ", "Nguyễn Văn Kiểm"))
    data = buf.getvalue()
    if pages < 1 or not data.startswith(b"%PDF"):
        raise RuntimeError("no PDF was produced")
    return f"{pages} page(s), {len(data)} bytes"


def _signature(ctx: _Context) -> str:
    from cryptography.exceptions import InvalidSignature

    from tipdesk.exchange import keys

    key = keys.generate_signing_key()
    message = b"tipdesk self-test " + secrets.token_bytes(16)
    signature = key.sign(message)
    verifier = keys.load_verify_key(keys.public_bytes(key))
    verifier.verify(signature, message)
    try:
        verifier.verify(signature, message + b"!")
    except InvalidSignature:
        return f"Ed25519 key {keys.fingerprint(keys.public_bytes(key))}"
    raise RuntimeError("a changed message still verified")


def _batch(ctx: _Context) -> str:
    try:
        from tipdesk.exchange.batchfile import BatchMeta, build_batch, open_batch
        from tipdesk.exchange.trust import MemoryTrustStore, TrustedKey
    except ImportError:
        return "skipped (no batch module)"
    from tipdesk.exchange import keys

    sender, province = keys.generate_signing_key(), keys.generate_encryption_key()
    pub = keys.public_bytes(sender)
    records = {"tip": [{"uuid": str(uuid.uuid4()), "version": 1, "summary": "Kiểm tra"}]}
    meta = BatchMeta(batch_id=str(uuid.uuid4()), install_id="selftest", commune=SELFTEST_UNIT, epoch=1, seq=1,
                     created_at=dt.datetime.now(dt.UTC).replace(microsecond=0))
    data = build_batch(records, {}, meta, sender, province.public_key())
    store = MemoryTrustStore([TrustedKey(keys.key_id(pub), pub)])
    opened = open_batch(data, store, [province])
    if dict(opened.records) != records:
        raise RuntimeError("the batch records differ after opening")
    return f"{len(data)} bytes, signed and encrypted"


def _backup(ctx: _Context) -> str:
    from tipdesk.services import backup
    from tipdesk.services.context import Desk

    desk = ctx.desk
    if not isinstance(desk, Desk):
        raise RuntimeError("no database (see above)")
    result = backup.create_backup(desk, ctx.tmp)
    report = backup.verify_backup(result.path, backup.Credentials(ctx.password, SELFTEST_USER), work_dir=ctx.tmp)
    if not report.restorable:
        raise RuntimeError("the backup cannot be restored")
    return f"{result.size} bytes, verified"


def _qt(ctx: _Context) -> str:
    from tipdesk.gui.selftest_qt import check_qt  # only the GUI package imports Qt

    return check_qt()


STEPS: list[tuple[str, Step]] = [
    ("bundled data", _bundled_data),
    ("encrypted database", _database),
    ("PDF", _pdf),
    ("signature", _signature),
    ("batch", _batch),
    ("backup", _backup),
]


def run_self_test(out: TextIO, *, qt: bool = False) -> int:
    """Run every step, print one line each; 0 when all passed, 1 otherwise."""
    frozen = _("frozen build") if paths.is_frozen() else _("source")
    print(_("tipdesk {version} self-test ({kind})").format(version=__version__, kind=frozen), file=out)
    steps = STEPS + ([("Qt", _qt)] if qt else [])
    failed = 0
    with tempfile.TemporaryDirectory(prefix="tipdesk-selftest-") as tmp:
        ctx = _Context(Path(tmp))
        try:
            for name, step in steps:
                failed += not _run_step(out, name, step, ctx)
        finally:
            close = getattr(ctx.desk, "close", None)
            if close is not None:
                close()
    if failed:
        print(_("Self-test FAILED: {n} step(s) did not pass.").format(n=failed), file=out)
        return 1
    print(_("Self-test passed."), file=out)
    return 0


def _run_step(out: TextIO, name: str, step: Step, ctx: _Context) -> bool:
    start = time.perf_counter()
    try:
        detail = step(ctx)
    except Exception as exc:  # report every failure, keep going
        print(f"  FAIL {name}: {type(exc).__name__}: {exc}", file=out)
        return False
    print(f"  ok   {name} ({time.perf_counter() - start:.2f} s): {detail}", file=out)
    return True
