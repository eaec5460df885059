"""Province side: import batch files in any number and order (security.md §3).

All files of one call run in ONE write transaction (``BEGIN IMMEDIATE``). A file is refused
before anything of it is written (every record is checked first), with a ``refused`` log row and
its stable code; a cancelled or dry run rolls everything back; a ``kill -9`` leaves the database
as it was (SQLite's journal). For each file:

1-3. ``authenticate_batch`` against the enrolled keys (unknown, revoked, wrong recipient, signature);
4.   known ``batch_id``: same SHA-256 is a duplicate (no-op, a ``duplicate`` row and the very
     same receipt bytes); the same ``(installation, epoch, seq)`` or batch id with another hash is
     a fork: refused with ``FORK`` and flagged on the commune;
5-8. ``open_authenticated`` (decrypt, zip, manifest, files, schema, JSON); a newer schema or
     unknown record fields go to the quarantine with the bytes;
9.   upsert every record (``exchange_upsert``), release parked records, the ``accepted`` log row,
     the commune's status (seqs, gaps, audit head) and the signed receipt;
10.  receipts are written to the receipts folder only after the commit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tipdesk.db.models.exchange import ImportLog, Peer, Quarantine
from tipdesk.domain.roles import Perm, Profile
from tipdesk.events import Changes
from tipdesk.exchange.batchfile import AuthenticatedBatch, OpenedBatch, authenticate_batch, open_authenticated
from tipdesk.exchange.format import (
    DEFAULT_LIMITS,
    BatchHeader,
    Limits,
    batch_sha256,
    frame,
)
from tipdesk.exchange.receipts import ReceiptStatus
from tipdesk.exchange.rejects import ImportRejected, Reject
from tipdesk.services.exchange_codes import XCode, xerror, xmessage, xreject
from tipdesk.services.exchange_common import (
    bulk_memory,
    decryption_keys,
    dumps,
    require_profile,
)
from tipdesk.services.exchange_peers import DbTrustStore
from tipdesk.services.exchange_receipts import accepted_seqs, gap_info, sign_receipt
from tipdesk.services.exchange_schema import RecordError, Registry, UnknownFields, registry
from tipdesk.services.exchange_sources import (
    BatchSource,
    FileOutcome,
    ImportReport,
    bulk_cache,
    bytes_source,
    expand_paths,
    loads_counts,
    order_sources,
    write_receipts,
)
from tipdesk.services.exchange_upsert import (
    Applier,
    ImportCancelled,
    OriginMismatch,
    RunMemory,
    TypeCounts,
)

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

CHANGES = "exchange"
QUARANTINE_CODES = {str(Reject.SCHEMA_TOO_NEW), str(XCode.UNKNOWN_RECORD_FIELDS)}

Progress = Callable[[int, int, str], None]  # (records done, records total of this file, file name)


class _DryRun(Exception):
    """Raised at the end of a dry run to roll the transaction back."""


class ImportService:
    def __init__(self, desk: Desk, limits: Limits = DEFAULT_LIMITS, reg: Registry | None = None) -> None:
        self.desk = desk
        self.limits = limits
        self.reg = reg or registry()

    def import_paths(self, paths: Sequence[Path], **kwargs: object) -> ImportReport:
        return self.import_sources(expand_paths(paths), **kwargs)  # type: ignore[arg-type]

    def import_sources(self, sources: Sequence[BatchSource], *, dry_run: bool = False,
                       receipts_dir: Path | None = None, collect: bool | None = None,
                       progress: Progress | None = None, cancelled: Callable[[], bool] | None = None) -> ImportReport:
        """Import ``sources`` in one transaction; ``dry_run`` rolls back and returns the preview."""
        self.desk.require(Perm.EXCHANGE)
        require_profile(self.desk, Profile.PROVINCE)
        run = _Run(self, dry_run if collect is None else collect, progress, cancelled)
        if self.desk.engine.dialect.name != "sqlite" and not dry_run:
            return self._import_concurrently(run, sources, receipts_dir, cancelled)
        try:
            with bulk_memory(), self.desk.write() as session:
                bulk_cache(session.connection())
                for source in order_sources(sources):
                    if cancelled is not None and cancelled():
                        raise ImportCancelled()
                    run.outcomes.append(run.one(session, source))
                if dry_run:
                    raise _DryRun()
        except _DryRun:
            return ImportReport(run.outcomes, dry_run=True)
        kinds = {name for o in run.outcomes for name in o.counts} | {name for o in run.outcomes for name in o.released}
        self.desk.events.publish(Changes.of(CHANGES, *kinds))
        if receipts_dir is not None:
            write_receipts(run.outcomes, receipts_dir)
        return ImportReport(run.outcomes)

    def _import_concurrently(self, run: _Run, sources: Sequence[BatchSource], receipts_dir: Path | None,
                             cancelled: Callable[[], bool] | None) -> ImportReport:
        """A server database shared by several importers: one transaction per file, each holding the
        sender's advisory lock (``_Run.one``), so batches of different communes import in parallel and
        those of one commune in turn; a file another importer has just committed is then a duplicate with
        the very same receipt. A cancel keeps the files already committed and stops before the next."""
        cancelled_run = False
        with bulk_memory():
            for source in order_sources(sources):
                if cancelled is not None and cancelled():
                    cancelled_run = True
                    break
                run.memory = RunMemory()  # what one transaction learnt is not valid in the next
                try:
                    with self.desk.write() as session:
                        run.outcomes.append(run.one(session, source))
                except ImportCancelled:
                    cancelled_run = True
                    break
        kinds = {name for o in run.outcomes for name in o.counts} | {name for o in run.outcomes for name in o.released}
        if run.outcomes:
            self.desk.events.publish(Changes.of(CHANGES, *kinds))
        if receipts_dir is not None:
            write_receipts(run.outcomes, receipts_dir)
        return ImportReport(run.outcomes, cancelled=cancelled_run)

    def import_bytes(self, data: bytes, name: str = "batch.tdb", **kwargs: object) -> FileOutcome:
        return self.import_sources([bytes_source(name, data)], **kwargs).outcomes[0]  # type: ignore[arg-type]

    def verify(self, data: bytes) -> FileOutcome:
        """Steps 1-8 and the duplicate/fork check, read-only: nothing is written."""
        self.desk.require(Perm.EXCHANGE)
        require_profile(self.desk, Profile.PROVINCE)
        with self.desk.read() as session:
            auth = authenticate_batch(data, DbTrustStore(session), decryption_keys(session), limits=self.limits)
            outcome = _outcome_for(auth, "", "accepted", session)
            known = _known(session, auth)
            if known is not None:
                outcome.status = "duplicate" if known.sha256 == auth.sha256 else "refused"
                if outcome.status == "refused":
                    outcome.code, outcome.message = str(XCode.FORK), xmessage(XCode.FORK, epoch=auth.header.epoch,
                                                                              seq=auth.header.seq)
                return outcome
            opened = open_authenticated(auth, limits=self.limits)
            outcome.counts = {t: TypeCounts(new=n) for t, n in opened.manifest.counts.items()}
            return outcome

    def release_quarantined(self, quarantine_id: int, receipts_dir: Path | None = None) -> FileOutcome:
        """Import a quarantined batch again (after tipdesk was updated)."""
        with self.desk.read() as session:
            row = session.get(Quarantine, quarantine_id)
            if row is None:
                raise xerror(XCode.BATCH_NOT_FOUND, batch=str(quarantine_id))
            data, name = row.data, row.source or f"quarantine-{quarantine_id}"
        outcome = self.import_sources([bytes_source(name, data)], receipts_dir=receipts_dir).outcomes[0]
        if outcome.status in ("accepted", "duplicate"):
            with self.desk.write(Changes.of(CHANGES)) as session:
                found = session.get(Quarantine, quarantine_id)
                if found is not None:
                    found.released_at = self.desk.now()
        return outcome


def lock_sender(session: Session, install_id: str) -> None:
    """On a server database, one importer at a time per sending installation (until its commit): its
    batches apply in sequence, and a batch another importer holds is seen as done once it commits.
    SQLite's ``BEGIN IMMEDIATE`` serialises every writer already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": "tipdesk-sender:" + install_id})


def _known(session: Session, auth: AuthenticatedBatch) -> ImportLog | None:
    """The accepted log row with this batch id, or with the same (installation, epoch, seq)."""
    header = auth.header
    same_id = session.scalars(
        select(ImportLog).where(ImportLog.batch_id == header.batch_id, ImportLog.status == "accepted").limit(1)
    ).first()
    if same_id is not None:
        return same_id
    return session.scalars(
        select(ImportLog).where(ImportLog.install_id == auth.sender.install_id, ImportLog.epoch == header.epoch,
                                ImportLog.seq == header.seq, ImportLog.status == "accepted").limit(1)
    ).first()


def _outcome_for(auth: AuthenticatedBatch, source: str, status: str, session: Session) -> FileOutcome:
    header, install = auth.header, auth.sender.install_id or ""
    return FileOutcome(source=source, status=status, batch_id=header.batch_id, install_id=install,
                       commune=auth.sender.commune or _commune_of(session, install), epoch=header.epoch,
                       seq=header.seq, sha256=auth.sha256)


def _commune_of(session: Session, install_id: str) -> str:
    peer = session.get(Peer, install_id) if install_id else None
    return peer.commune if peer is not None else ""


class _Run:
    """The state of one ``import_sources`` call."""

    def __init__(self, service: ImportService, collect: bool, progress: Progress | None,
                 cancelled: Callable[[], bool] | None) -> None:
        self.service = service
        self.desk = service.desk
        self.collect = collect
        self.progress = progress
        self.cancelled = cancelled
        self.outcomes: list[FileOutcome] = []
        self.memory = RunMemory()

    # -- one file ------------------------------------------------------------------------
    def one(self, session: Session, source: BatchSource) -> FileOutcome:
        try:
            data = source.read()
        except OSError as exc:
            return self._refused(session, source, None, xreject(XCode.UNREADABLE_FILE, path=source.name,
                                                                 error=exc.strerror or exc), 0, "")
        try:
            auth = authenticate_batch(data, DbTrustStore(session), decryption_keys(session),
                                      limits=self.service.limits)
        except ImportRejected as exc:
            return self._refused(session, source, None, exc, len(data), batch_sha256(data))
        lock_sender(session, auth.sender.install_id or auth.header.sender_key_id)
        known = _known(session, auth)
        if known is not None:
            if known.sha256 == auth.sha256:
                return self._duplicate(session, source, auth, known, len(data))
            return self._fork(session, source, auth, len(data))
        return self._open_and_apply(session, source, auth, data)

    def _open_and_apply(self, session: Session, source: BatchSource, auth: AuthenticatedBatch,
                        data: bytes) -> FileOutcome:
        """Steps 5-9. Every check runs before the first write (``Applier.apply`` parses the whole batch
        first), so a refusal leaves nothing to undo; an unexpected database error during the writes
        propagates and rolls the whole call back."""
        try:
            opened = open_authenticated(auth, limits=self.service.limits)
            del data
            return self._apply(session, source, auth, opened)
        except ImportRejected as exc:
            if exc.code in QUARANTINE_CODES:
                return self._quarantine(session, source, auth, exc)
            return self._refused(session, source, auth, exc, len(auth.framed.ciphertext), auth.sha256)
        except UnknownFields:
            return self._quarantine(session, source, auth, xreject(XCode.UNKNOWN_RECORD_FIELDS, auth.header))
        except RecordError as err:
            bad = xreject(XCode.BAD_RECORD, auth.header, detail=str(err)[:200])
            return self._refused(session, source, auth, bad, 0, auth.sha256)
        except OriginMismatch:
            return self._refused(session, source, auth, xreject(XCode.ORIGIN_MISMATCH, auth.header), 0, auth.sha256)

    def _apply(self, session: Session, source: BatchSource, auth: AuthenticatedBatch,
               opened: OpenedBatch) -> FileOutcome:
        header, install = auth.header, auth.sender.install_id or opened.manifest.install_id
        total = sum(opened.manifest.counts.values())
        done = [0]

        def tick(n: int) -> None:
            done[0] += n
            if self.progress is not None:
                self.progress(done[0], total, source.name)

        applier = Applier(session, self.service.reg, install_id=install, batch_id=header.batch_id,
                          now=self.desk.now(), collect=self.collect, progress=tick, cancelled=self.cancelled,
                          memory=self.memory)
        counts = applier.apply(opened.records, opened.attachments)
        released = applier.retry_parked()
        outcome = _outcome_for(auth, source.name, "accepted", session)
        outcome.counts, outcome.released, outcome.items = counts, released, applier.items
        receipt = sign_receipt(session, batch_id=header.batch_id, install_id=install, epoch=header.epoch,
                               seq=header.seq, sha256=auth.sha256, status=ReceiptStatus.ACCEPTED,
                               counts=opened.manifest.counts, extra_seq=header.seq)
        outcome.receipt = receipt
        self._log(session, outcome, auth, size=len(auth.framed.ciphertext), opened=opened)
        self._update_peer(session, outcome, auth, opened)
        self.desk.audit_log(session, "import", "batch", header.batch_id,
                            {"status": "accepted", "seq": [header.epoch, header.seq], "install_id": install,
                             "counts": {t: c.to_json() for t, c in counts.items()}})
        return outcome

    # -- other outcomes ----------------------------------------------------------------------
    def _duplicate(self, session: Session, source: BatchSource, auth: AuthenticatedBatch, known: ImportLog,
                   size: int) -> FileOutcome:
        outcome = _outcome_for(auth, source.name, "duplicate", session)
        outcome.receipt = known.receipt_data
        stored = loads_counts(known.counts)
        outcome.counts = stored
        self._set_gaps(session, outcome)
        self._log(session, outcome, auth, size=size)
        self.desk.audit_log(session, "import", "batch", auth.header.batch_id, {"status": "duplicate"})
        return outcome

    def _fork(self, session: Session, source: BatchSource, auth: AuthenticatedBatch, size: int) -> FileOutcome:
        exc = xreject(XCode.FORK, auth.header, epoch=auth.header.epoch, seq=auth.header.seq)
        peer = session.get(Peer, auth.sender.install_id or "")
        if peer is not None:
            peer.fork_alarm = True
        self.desk.audit_log(session, "import", "batch", auth.header.batch_id,
                            {"status": "refused", "code": "FORK", "seq": [auth.header.epoch, auth.header.seq],
                             "install_id": auth.sender.install_id, "sha256": auth.sha256})
        return self._refused(session, source, auth, exc, size, auth.sha256, audited=True)

    def _quarantine(self, session: Session, source: BatchSource, auth: AuthenticatedBatch,
                    exc: ImportRejected) -> FileOutcome:
        header = auth.header
        exists = session.scalars(select(Quarantine.id).where(Quarantine.sha256 == auth.sha256,
                                                             Quarantine.released_at.is_(None))).first()
        if exists is None:
            session.add(Quarantine(batch_id=header.batch_id, install_id=auth.sender.install_id or "",
                                   commune=auth.sender.commune or "", epoch=header.epoch, seq=header.seq,
                                   sha256=auth.sha256, reason=exc.code, schema_version=None, source=source.name,
                                   at=self.desk.now(), data=_whole_file(auth)))
        return self._refused(session, source, auth, exc, len(auth.framed.ciphertext), auth.sha256,
                             status="quarantined")

    def _refused(self, session: Session, source: BatchSource, auth: AuthenticatedBatch | None,
                 exc: ImportRejected, size: int, sha: str, *, status: str = "refused",
                 audited: bool = False) -> FileOutcome:
        header = auth.header if auth is not None else exc.header
        outcome = FileOutcome(source=source.name, status=status, code=exc.code, message=exc.message, sha256=sha)
        sender = auth.sender if auth is not None else None
        if header is not None:
            outcome.batch_id, outcome.epoch, outcome.seq = header.batch_id, header.epoch, header.seq
            if sender is None:
                sender = DbTrustStore(session).sender_key(header.sender_key_id)
        if sender is not None and header is not None and sender.install_id:
            outcome.install_id = sender.install_id
            outcome.commune = sender.commune or _commune_of(session, sender.install_id)
            self._set_gaps(session, outcome)
            if sha:
                outcome.receipt = sign_receipt(session, batch_id=header.batch_id, install_id=sender.install_id,
                                               epoch=header.epoch, seq=header.seq, sha256=sha,
                                               status=ReceiptStatus.REFUSED, counts={}, code=exc.code)
        self._log(session, outcome, auth, size=size, header=header)
        if not audited:
            self.desk.audit_log(session, "import", "batch", outcome.batch_id or source.name[:64],
                                {"status": status, "code": exc.code})
        peer = session.get(Peer, outcome.install_id) if outcome.install_id else None
        if peer is not None:
            peer.last_status, peer.last_code, peer.last_import_at = status, exc.code, self.desk.now()
        return outcome

    # -- bookkeeping ------------------------------------------------------------------------
    def _set_gaps(self, session: Session, outcome: FileOutcome) -> None:
        if outcome.install_id and outcome.epoch:
            contiguous, missing = gap_info(accepted_seqs(session, outcome.install_id, outcome.epoch))
            outcome.highest_contiguous_seq, outcome.missing = contiguous, missing

    def _log(self, session: Session, outcome: FileOutcome, auth: AuthenticatedBatch | None, *, size: int,
             opened: OpenedBatch | None = None, header: BatchHeader | None = None) -> None:
        header = header or (auth.header if auth is not None else None)
        manifest = opened.manifest if opened is not None else None
        session.add(ImportLog(
            at=self.desk.now(), username=self.desk.actor.username, source=outcome.source, status=outcome.status,
            reject_code=outcome.code, message=outcome.message, batch_id=outcome.batch_id,
            install_id=outcome.install_id, commune=outcome.commune, epoch=outcome.epoch, seq=outcome.seq,
            sender_key_id=header.sender_key_id if header is not None else "", sha256=outcome.sha256, size=size,
            created_at=header.created_at if header is not None else None,
            schema_version=manifest.schema_version if manifest else None,
            app_version=manifest.app_version if manifest else "",
            counts=dumps({t: c.to_json() for t, c in outcome.counts.items()}),
            audit_seq=manifest.audit_head.seq if manifest else None,
            audit_hash=manifest.audit_head.hash if manifest else "",
            receipt_sha256=batch_sha256(outcome.receipt) if outcome.receipt else "", receipt_data=outcome.receipt,
        ))
        session.flush()

    def _update_peer(self, session: Session, outcome: FileOutcome, auth: AuthenticatedBatch,
                     opened: OpenedBatch) -> None:
        peer = session.get(Peer, outcome.install_id)
        if peer is None:
            return
        header, manifest = auth.header, opened.manifest
        if header.epoch > peer.last_epoch:
            peer.last_epoch, peer.last_seq = header.epoch, header.seq
        elif header.epoch == peer.last_epoch:
            peer.last_seq = max(peer.last_seq, header.seq)
        if header.epoch == peer.last_epoch:
            contiguous, missing = gap_info(accepted_seqs(session, peer.install_id, peer.last_epoch))
            peer.contiguous_seq, peer.missing = contiguous, dumps(missing)
            outcome.highest_contiguous_seq, outcome.missing = contiguous, missing
            if manifest.audit_head.seq >= peer.audit_seq:
                peer.audit_seq, peer.audit_hash = manifest.audit_head.seq, manifest.audit_head.hash
        if peer.last_batch_at is None or header.created_at > peer.last_batch_at:
            peer.last_batch_at = header.created_at
        peer.last_import_at, peer.last_status, peer.last_code = self.desk.now(), "accepted", ""


def _whole_file(auth: AuthenticatedBatch) -> bytes:
    framed = auth.framed
    return frame(framed.header_bytes, bytes(framed.ciphertext), framed.signature)


