"""First-run setup: a new encrypted database, the admin account and the recovery code."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy.orm import Session

from tipdesk import __version__
from tipdesk.clock import Clock, SystemClock
from tipdesk.config import MachineSettings
from tipdesk.db import migrate
from tipdesk.db.engine import make_engine
from tipdesk.db.keyslots import (
    RECOVERY_SLOT,
    KeyslotStore,
    disk_error,
    new_database_key,
    new_recovery_code,
    user_slot_id,
)
from tipdesk.db.models import Installation, InstallKey, User
from tipdesk.domain import units
from tipdesk.domain.roles import Profile, admin_role
from tipdesk.errors import UserError, ValidationError
from tipdesk.exchange import keys as xkeys
from tipdesk.exchange.keys import fingerprint, key_id
from tipdesk.i18n import _
from tipdesk.services.audit import AuditService
from tipdesk.services.auth import OpenPaths, check_password_strength, is_initialised
from tipdesk.services.context import Actor, Desk
from tipdesk.services.users import USERNAME


@dataclass(frozen=True)
class SetupResult:
    install_id: str
    unit_code: str
    unit_name: str
    profile: Profile
    admin: str
    recovery_code: str
    fingerprint: str


def new_install_keys(profile: Profile) -> list[InstallKey]:
    """Ed25519 signing key; at the province also the X25519 encryption key and the receipt key."""
    kinds: list[tuple[str, Ed25519PrivateKey | X25519PrivateKey]] = [("sign", xkeys.generate_signing_key())]
    if profile is Profile.PROVINCE:
        kinds += [("encrypt", xkeys.generate_encryption_key()), ("receipt", xkeys.generate_signing_key())]
    rows = []
    for kind, key in kinds:
        pub = xkeys.public_bytes(key)
        rows.append(InstallKey(key_id=key_id(pub), kind=kind, public_key=xkeys.b64encode(pub),
                               private_key=xkeys.b64encode(xkeys.private_bytes(key))))
    return rows


def resolve_unit(profile: Profile, unit_code: str) -> tuple[str, str, str]:
    """(code, display name, province code) of the unit, checked against the official 2025 list."""
    code = unit_code.strip()
    if profile is Profile.COMMUNE:
        commune = units.commune(code)
        return commune.code, commune.name, commune.province_code
    province = units.province(code)
    return province.code, province.name, province.code


def initialise(profile: Profile | str, unit_code: str, admin_username: str, admin_password: str, *,
               admin_full_name: str = "", remote: bool = False, data_dir: Path | None = None,
               clock: Clock | None = None, database_url: str | None = None) -> SetupResult:
    """Create a new installation: in a SQLCipher file in ``data_dir``, or on a PostgreSQL server
    (``database_url``, else ``--database-url``/``TIPDESK_DATABASE_URL``), which is then remembered in
    the data directory's settings so that later starts on this machine open it."""
    clock = clock or SystemClock()
    try:
        profile = Profile(profile)
    except ValueError:
        raise ValidationError(_("The profile must be 'commune' or 'province'."), {"profile": "unknown"}) from None
    username = admin_username.strip().casefold()
    if not USERNAME.match(username):
        raise ValidationError(
            _("A user name has 2 to 32 letters (a-z), digits, dots, dashes or underscores."), {"username": "format"}
        )
    check_password_strength(admin_password)
    code, unit_name, province_code = resolve_unit(profile, unit_code)
    p = OpenPaths.of(data_dir, url=database_url)  # None: --database-url, the variable, or the saved address
    if p.on_server:
        return _initialise_server(p, profile, code, unit_name, province_code, username, admin_password,
                                  admin_full_name, remote, clock)
    if is_initialised(p.data_dir) or p.keyslots.exists() or p.database.exists():
        raise UserError(
            _("A tipdesk database already exists in {path}. Nothing was changed.").format(path=p.data_dir),
            "already_initialised",
        )
    try:
        p.data_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(p.data_dir, 0o700)
    except OSError as exc:
        raise disk_error(exc) from exc
    try:
        return _create(p, profile, code, unit_name, province_code, username, admin_password,
                       admin_full_name, remote, clock)
    except BaseException:
        for leftover in (p.database, p.keyslots, Path(f"{p.database}-wal"), Path(f"{p.database}-shm")):
            leftover.unlink(missing_ok=True)
        raise


def _initialise_server(p: OpenPaths, profile: Profile, code: str, unit_name: str, province_code: str,
                       username: str, password: str, full_name: str, remote: bool, clock: Clock) -> SetupResult:
    from tipdesk.db.server_keyslots import server_initialised

    if server_initialised(p.url):
        raise UserError(_("A tipdesk database already exists on this database server. Nothing was changed."),
                        "already_initialised")
    try:
        p.data_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(p.data_dir, 0o700)
    except OSError as exc:
        raise disk_error(exc) from exc
    result = _create(p, profile, code, unit_name, province_code, username, password, full_name, remote, clock)
    settings = MachineSettings.load(p.data_dir / "settings.json")
    settings.database_url = p.url
    settings.save(p.data_dir / "settings.json")
    return result


def _create(p: OpenPaths, profile: Profile, code: str, unit_name: str, province_code: str, username: str,
            password: str, full_name: str, remote: bool, clock: Clock) -> SetupResult:
    db_key = new_database_key()
    recovery_code = new_recovery_code()
    engine = make_engine(p.url or p.database, db_key)
    try:
        migrate.upgrade(engine)
        now = clock.now()
        keys = new_install_keys(profile)
        sign_pub = xkeys.b64decode(keys[0].public_key)
        with Session(engine) as session, session.begin():
            inst = Installation(profile=profile.value, unit_code=code, unit_name=unit_name,
                                province_code=province_code, remote=remote, epoch=1, created_at=now,
                                app_version=__version__)
            session.add(inst)
            session.flush()
            admin = User(username=username, full_name=full_name.strip(), role=admin_role(profile).value,
                         active=True, failed_logins=0, must_change_password=False,
                         origin_install_id=inst.id, created_at=now, updated_at=now)
            session.add(admin)
            session.add_all(keys)
            session.flush()
            install_id, admin_id = inst.id, admin.id
        desk = Desk(engine, Actor(admin_id, username, admin_role(profile), full_name), data_dir=p.data_dir,
                    db_key=db_key, clock=clock, db_url=p.url)
        with desk.write() as session:
            audit = AuditService(desk)
            audit.append(session, "setup", "installation", install_id,
                         {"profile": profile.value, "unit": code, "version": __version__})
            audit.append(session, "user_create", "user", username, {"role": admin_role(profile).value})
        store = KeyslotStore(p.keyslots) if not p.on_server else _server_store(p.url)
        store.add(user_slot_id(username), password, db_key)
        store.add(RECOVERY_SLOT, recovery_code, db_key)
        store.save()
    finally:
        engine.dispose()
    return SetupResult(install_id, code, unit_name, profile, username, recovery_code, fingerprint(sign_pub))


def _server_store(url: str) -> KeyslotStore:
    from tipdesk.db.server_keyslots import ServerKeyslotStore

    return ServerKeyslotStore(path=Path("keyslots@server"), url=url)
