"""Roles and the role x permission table enforced by the service layer.

The GUI hides what a role may not do, but the services are what refuse it:
every service method starts with ``desk.require(Perm.X)``.
"""

from __future__ import annotations

from enum import StrEnum

from tipdesk.i18n import N_, _


class Profile(StrEnum):
    COMMUNE = "commune"
    PROVINCE = "province"

    def label(self) -> str:
        return _(PROFILE_LABELS[self])


PROFILE_LABELS = {Profile.COMMUNE: N_("Commune"), Profile.PROVINCE: N_("Provincial office")}


class Role(StrEnum):
    COMMUNE_POLICE = "commune_police"
    SOCIAL_WORKER = "social_worker"
    COMMUNE_ADMIN = "commune_admin"
    PROVINCE_OFFICER = "province_officer"
    PROVINCE_ANALYST = "province_analyst"
    PROVINCE_ADMIN = "province_admin"

    def label(self) -> str:
        return _(ROLE_LABELS[self])

    @property
    def profile(self) -> Profile:
        return Profile.PROVINCE if self.value.startswith("province") else Profile.COMMUNE


ROLE_LABELS = {
    Role.COMMUNE_POLICE: N_("Commune police officer"),
    Role.SOCIAL_WORKER: N_("Social worker"),
    Role.COMMUNE_ADMIN: N_("Commune administrator"),
    Role.PROVINCE_OFFICER: N_("Provincial officer"),
    Role.PROVINCE_ANALYST: N_("Provincial analyst"),
    Role.PROVINCE_ADMIN: N_("Provincial administrator"),
}


class Perm(StrEnum):
    USERS_MANAGE = "users.manage"
    AUDIT_VIEW = "audit.view"
    SETTINGS_MANAGE = "settings.manage"
    TIP_CREATE = "tip.create"
    TIP_VIEW = "tip.view"
    TIP_EDIT = "tip.edit"
    TIP_PRINT = "tip.print"
    TIP_VIEW_REPORTER = "tip.view_reporter"
    TIP_IMPORT = "tip.import"
    PERSON_CREATE = "person.create"
    PERSON_VIEW = "person.view"
    PERSON_EDIT = "person.edit"
    PERSON_VIEW_IDENTITY = "person.view_identity"
    PERSON_PRINT = "person.print"
    SUPPORT_RECORD = "support.record"
    EXCHANGE = "exchange"
    KEYS_MANAGE = "keys.manage"
    ANNOTATE = "annotate"
    REPORT_VIEW = "report.view"
    REPORT_EXPORT = "report.export"
    BACKUP = "backup"
    DEMO = "demo"

    def label(self) -> str:
        return _(PERM_LABELS[self])


PERM_LABELS = {
    Perm.USERS_MANAGE: N_("manage user accounts"),
    Perm.AUDIT_VIEW: N_("view and verify the audit log"),
    Perm.SETTINGS_MANAGE: N_("change the settings"),
    Perm.TIP_CREATE: N_("record tips"),
    Perm.TIP_VIEW: N_("view tips"),
    Perm.TIP_EDIT: N_("update tips"),
    Perm.TIP_PRINT: N_("print tip documents"),
    Perm.TIP_VIEW_REPORTER: N_("see reporters who asked for secrecy"),
    Perm.TIP_IMPORT: N_("import a tip register"),
    Perm.PERSON_CREATE: N_("record persons"),
    Perm.PERSON_VIEW: N_("view persons"),
    Perm.PERSON_EDIT: N_("update persons"),
    Perm.PERSON_VIEW_IDENTITY: N_("see the identity of persons"),
    Perm.PERSON_PRINT: N_("print a person's support history"),
    Perm.SUPPORT_RECORD: N_("record support"),
    Perm.EXCHANGE: N_("export and import batches"),
    Perm.KEYS_MANAGE: N_("manage keys and enrolments"),
    Perm.ANNOTATE: N_("annotate imported records"),
    Perm.REPORT_VIEW: N_("view reports"),
    Perm.REPORT_EXPORT: N_("export reports"),
    Perm.BACKUP: N_("back up and restore"),
    Perm.DEMO: N_("fill the database with demonstration data"),
}

_ADMIN = {Perm.USERS_MANAGE, Perm.AUDIT_VIEW, Perm.SETTINGS_MANAGE, Perm.EXCHANGE, Perm.KEYS_MANAGE,
          Perm.BACKUP, Perm.REPORT_VIEW, Perm.DEMO}

PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.COMMUNE_POLICE: frozenset({
        Perm.TIP_CREATE, Perm.TIP_VIEW, Perm.TIP_EDIT, Perm.TIP_PRINT, Perm.TIP_VIEW_REPORTER, Perm.TIP_IMPORT,
        Perm.PERSON_VIEW, Perm.EXCHANGE, Perm.REPORT_VIEW, Perm.REPORT_EXPORT,
    }),
    Role.SOCIAL_WORKER: frozenset({
        Perm.TIP_VIEW, Perm.PERSON_CREATE, Perm.PERSON_VIEW, Perm.PERSON_EDIT, Perm.PERSON_VIEW_IDENTITY,
        Perm.PERSON_PRINT, Perm.SUPPORT_RECORD, Perm.REPORT_VIEW, Perm.REPORT_EXPORT,
    }),
    Role.COMMUNE_ADMIN: frozenset(_ADMIN),
    Role.PROVINCE_OFFICER: frozenset({
        Perm.TIP_VIEW, Perm.TIP_PRINT, Perm.TIP_VIEW_REPORTER, Perm.PERSON_VIEW, Perm.PERSON_VIEW_IDENTITY,
        Perm.PERSON_PRINT, Perm.EXCHANGE, Perm.ANNOTATE, Perm.REPORT_VIEW, Perm.REPORT_EXPORT,
    }),
    Role.PROVINCE_ANALYST: frozenset({Perm.TIP_VIEW, Perm.PERSON_VIEW, Perm.REPORT_VIEW, Perm.REPORT_EXPORT}),
    Role.PROVINCE_ADMIN: frozenset(_ADMIN),
}


def allowed(role: Role | str, perm: Perm) -> bool:
    return perm in PERMISSIONS.get(Role(role), frozenset())


def roles_for(profile: Profile | str) -> list[Role]:
    return [r for r in Role if r.profile == Profile(profile)]


def admin_role(profile: Profile | str) -> Role:
    return Role.PROVINCE_ADMIN if Profile(profile) is Profile.PROVINCE else Role.COMMUNE_ADMIN
