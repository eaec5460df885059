"""This installation's keys: show them, the enrolment file, key rotation, and the province trust bundle.

* Commune: ``enrolment_file()`` (read out with its fingerprint over the phone), ``rotate()`` (a
  record signed by the old and the new key, for the province), ``install_trust_bundle(data, fp)``
  after the operator typed the province fingerprint from the installation guide.
* Province: ``export_trust_bundle()`` signed by the province 'sign' key, which is the trust root
  (its fingerprint is what communes type), carrying the 'encrypt' and 'receipt' keys and the
  revocations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from tipdesk.db.models import InstallKey
from tipdesk.db.models.exchange import PeerKey, TrustInstalled
from tipdesk.domain.roles import Perm, Profile
from tipdesk.events import Changes
from tipdesk.exchange import keys as xkeys
from tipdesk.exchange.enrolment import build_enrolment, make_rotation
from tipdesk.exchange.format import DEFAULT_LIMITS, Limits
from tipdesk.exchange.trust import Revocation, TrustBundle, build_trust_bundle, verify_trust_bundle
from tipdesk.i18n import format_date
from tipdesk.services.exchange_codes import XCode, xerror
from tipdesk.services.exchange_common import (
    ENROLMENT_EXTENSION,
    ROTATION_EXTENSION,
    TRUST_EXTENSION,
    dumps,
    loads,
    own_key,
    own_keys,
    read_input_file,
    require_profile,
    signing_key,
    state,
    write_side_file,
)

if TYPE_CHECKING:
    from tipdesk.services.context import Desk

CHANGES = "exchange"
DEFAULT_BUNDLE_DAYS = 365


@dataclass(frozen=True)
class OwnKeyView:
    kind: str  # sign | encrypt | receipt
    key_id: str
    fingerprint: str
    created_at: dt.datetime
    retired_at: dt.datetime | None


@dataclass(frozen=True)
class TrustView:
    version: int
    root_key_id: str
    root_fingerprint: str
    province_key_id: str
    receipt_key_id: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    installed_at: dt.datetime
    expired: bool
    own_key_revoked: bool


@dataclass(frozen=True)
class KeysView:
    install_id: str
    profile: str
    unit_code: str
    unit_name: str
    epoch: int
    keys: list[OwnKeyView]
    trust: TrustView | None

    @property
    def signing(self) -> OwnKeyView | None:
        return next((k for k in self.keys if k.kind == "sign" and k.retired_at is None), None)


@dataclass(frozen=True)
class FileWritten:
    path: Path
    key_id: str
    fingerprint: str


def _own_view(row: InstallKey) -> OwnKeyView:
    pub = xkeys.b64decode(row.public_key)
    return OwnKeyView(row.kind, row.key_id, xkeys.fingerprint(pub), row.created_at, row.retired_at)


def _trust_view(row: TrustInstalled, now: dt.datetime, own_kid: str | None) -> TrustView:
    revoked = {item["key_id"] for item in loads(row.revocations, [])}
    return TrustView(
        version=row.version,
        root_key_id=row.root_key_id,
        root_fingerprint=xkeys.fingerprint_of_key_id(row.root_key_id),
        province_key_id=xkeys.key_id(xkeys.b64decode(row.province_enc_pub)),
        receipt_key_id=xkeys.key_id(xkeys.b64decode(row.receipt_pub)),
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        installed_at=row.installed_at,
        expired=now >= row.expires_at,
        own_key_revoked=own_kid in revoked,
    )


def installed_trust(session: Session) -> TrustInstalled | None:
    return session.get(TrustInstalled, 1)


def require_trust(session: Session, now: dt.datetime) -> TrustInstalled:
    """The trust bundle in force, or a user error when none is installed or it expired."""
    row = installed_trust(session)
    if row is None:
        raise xerror(XCode.NO_TRUST_BUNDLE)
    if now >= row.expires_at:
        raise xerror(XCode.TRUST_EXPIRED, date=format_date(row.expires_at))
    return row


class KeysService:
    def __init__(self, desk: Desk, limits: Limits = DEFAULT_LIMITS) -> None:
        self.desk = desk
        self.limits = limits

    # -- showing ---------------------------------------------------------------
    def show(self) -> KeysView:
        info = self.desk.installation
        with self.desk.read() as session:
            rows = list(session.scalars(select(InstallKey).order_by(InstallKey.kind, InstallKey.created_at)))
            keys = [_own_view(row) for row in rows]
            sign = next((k.key_id for k in keys if k.kind == "sign" and k.retired_at is None), None)
            trust = installed_trust(session)
            trust_view = _trust_view(trust, self.desk.now(), sign) if trust is not None else None
            epoch = state(session).epoch
        return KeysView(info.install_id, info.profile.value, info.unit_code, info.unit_name, epoch, keys, trust_view)

    def fingerprint(self) -> str:
        """The fingerprint of the signing key in force (read out over the phone)."""
        with self.desk.read() as session:
            return xkeys.fingerprint(xkeys.b64decode(own_key(session, "sign").public_key))

    def fingerprint_qr_png(self) -> bytes:
        return xkeys.fingerprint_qr_png(self.fingerprint())

    # -- enrolment (commune) -----------------------------------------------------
    def enrolment_file(self) -> bytes:
        self.desk.require(Perm.KEYS_MANAGE)
        info = self.desk.installation
        with self.desk.write() as session:
            data = build_enrolment(info.install_id, info.unit_code, signing_key(session))
            self.desk.audit_log(session, "export", "enrolment", info.install_id, {"unit": info.unit_code})
        return data

    def write_enrolment(self, target: Path) -> FileWritten:
        """Write the enrolment file to ``target`` (a file, or a folder to put it in)."""
        data = self.enrolment_file()
        fp = self.fingerprint()
        if target.is_dir():
            target = target / f"enrol-{self.desk.installation.unit_code}{ENROLMENT_EXTENSION}"
        path = write_side_file(target, data)
        return FileWritten(path, xkeys.key_id_from_fingerprint(fp), fp)

    # -- rotation (commune) --------------------------------------------------------
    def rotate(self, target: Path) -> FileWritten:
        """A new signing key from the next batch on; writes the rotation record for the province."""
        self.desk.require(Perm.KEYS_MANAGE)
        info = self.desk.installation
        now = self.desk.now()
        new_key = xkeys.generate_signing_key()
        new_pub = xkeys.public_bytes(new_key)
        with self.desk.write(Changes.of(CHANGES)) as session:
            current = own_key(session, "sign")
            st = state(session)
            old_key = xkeys.load_signing_key(xkeys.b64decode(current.private_key))
            data = make_rotation(old_key, new_key, install_id=info.install_id, effective_epoch=st.epoch,
                                 effective_seq=st.last_seq + 1, created_at=now)
            current.retired_at = now
            session.add(InstallKey(key_id=xkeys.key_id(new_pub), kind="sign", public_key=xkeys.b64encode(new_pub),
                                   private_key=xkeys.b64encode(xkeys.private_bytes(new_key)), created_at=now))
            self.desk.audit_log(session, "update", "key", current.key_id,
                                {"rotated_to": xkeys.key_id(new_pub), "effective": [st.epoch, st.last_seq + 1]})
        if target.is_dir():
            target = target / f"rotation-{info.unit_code}-{xkeys.key_id(new_pub)}{ROTATION_EXTENSION}"
        path = write_side_file(target, data)
        return FileWritten(path, xkeys.key_id(new_pub), xkeys.fingerprint(new_pub))

    # -- trust bundle (commune installs, province exports) ---------------------------
    def install_trust_bundle(self, data: bytes, root_fingerprint: str) -> TrustView:
        self.desk.require(Perm.KEYS_MANAGE)
        require_profile(self.desk, Profile.COMMUNE)
        now = self.desk.now()
        with self.desk.write(Changes.of(CHANGES)) as session:
            current = installed_trust(session)
            bundle = verify_trust_bundle(data, now=now, root_fingerprint=root_fingerprint,
                                         installed_version=current.version if current else 0, limits=self.limits)
            root_kid = xkeys.key_id(bundle.root_pub)
            if current is not None and current.root_key_id != root_kid:
                raise xerror(XCode.ROOT_CHANGED, new=xkeys.fingerprint_of_key_id(root_kid),
                             old=xkeys.fingerprint_of_key_id(current.root_key_id))
            row = current or TrustInstalled(id=1)
            _fill_trust(row, bundle, data, now, self.desk.actor.username)
            if current is None:
                session.add(row)
            state(session).bundle_version = bundle.version
            self.desk.audit_log(session, "import", "trust_bundle", root_kid,
                                {"version": bundle.version, "expires": bundle.expires_at.isoformat()})
            session.flush()
            sign = own_key(session, "sign").key_id
            return _trust_view(row, now, sign)

    def read_and_install_trust_bundle(self, path: Path, root_fingerprint: str) -> TrustView:
        return self.install_trust_bundle(read_input_file(path, self.limits.max_envelope_bytes), root_fingerprint)

    def trust(self) -> TrustView | None:
        with self.desk.read() as session:
            row = installed_trust(session)
            if row is None:
                return None
            keys = own_keys(session, "sign")
            return _trust_view(row, self.desk.now(), keys[0].key_id if keys else None)

    def export_trust_bundle(self, valid_days: int = DEFAULT_BUNDLE_DAYS) -> bytes:
        self.desk.require(Perm.KEYS_MANAGE)
        require_profile(self.desk, Profile.PROVINCE)
        now = self.desk.now()
        with self.desk.write(Changes.of(CHANGES)) as session:
            st = state(session)
            st.bundle_version += 1
            revoked = session.scalars(select(PeerKey).where(PeerKey.revoked_after_epoch.is_not(None)))
            revocations = [Revocation(k.key_id, k.revoked_after_epoch or 0, k.revoked_after_seq or 0) for k in revoked]
            data = build_trust_bundle(
                version=st.bundle_version, issued_at=now, expires_at=now + dt.timedelta(days=valid_days),
                province_enc_pub=xkeys.b64decode(own_key(session, "encrypt").public_key),
                receipt_pub=xkeys.b64decode(own_key(session, "receipt").public_key),
                revocations=revocations, root_key=signing_key(session),
            )
            self.desk.audit_log(session, "export", "trust_bundle", own_key(session, "sign").key_id,
                                {"version": st.bundle_version, "revocations": len(revocations)})
        return data

    def write_trust_bundle(self, target: Path, valid_days: int = DEFAULT_BUNDLE_DAYS) -> FileWritten:
        data = self.export_trust_bundle(valid_days)
        if target.is_dir():
            target = target / f"trust-{self.desk.installation.unit_code}{TRUST_EXTENSION}"
        fp = self.fingerprint()
        return FileWritten(write_side_file(target, data), xkeys.key_id_from_fingerprint(fp), fp)


def _fill_trust(row: TrustInstalled, bundle: TrustBundle, data: bytes, now: dt.datetime, user: str) -> None:
    row.version = bundle.version
    row.root_key_id = xkeys.key_id(bundle.root_pub)
    row.root_pub = xkeys.b64encode(bundle.root_pub)
    row.province_enc_pub = xkeys.b64encode(bundle.province_enc_pub)
    row.receipt_pub = xkeys.b64encode(bundle.receipt_pub)
    row.issued_at = bundle.issued_at
    row.expires_at = bundle.expires_at
    row.installed_at = now
    row.installed_by = user
    row.revocations = dumps([rev.to_json() for rev in bundle.revocations])
    row.data = data
