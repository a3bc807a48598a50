"""Everything linli holds about a person, in one place: export and erase walk this list.

``TABLES``: each tortoise model that holds a person's openid (``openid`` columns, matched
exactly), the columns where the openid appears inside a longer value (``inside``: idempotency
and account codes) and the other personal columns (names, phones, addresses, exact places,
free text the person typed). ``REDIS``: the person's keys in Redis (``storage.keys``).
``tests/test_privacy_inventory.py`` fails when a model gains an openid-like or personal
field this list does not name (or ``NOT_PERSONAL`` does not explain).

How each table is erased (``erase``):
- ``delete``: the rows go (the volunteer profile, pushes, subscribe grants);
- ``pseudonymise``: the openid columns get the pseudonym, ``personal`` columns are blanked
  or masked (see ``handlers.privacy.service``);
- ``retention``: rows about someone who is no WeChat person (the caller of a case an operator
  entered): nothing to find by openid; the retention sweep blanks them
  (``handlers.privacy.retention``, ``case_caller``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tortoise.models import Model

from storage.core.models import (
    AppOpenid,
    AuditEntry,
    ConsoleLink,
    OutboxMessage,
    Person,
    PersonConflict,
    Photo,
    ProcessedMessage,
    StaffInvite,
    SubscribeGrant,
    Volunteer,
    Wish,
    WishEvent,
)
from storage.geo.models import Community, Grid
from storage.ledger.models import Account, Award, ExpiryNotice, Redemption, Transfer
from storage.reports.models import Case, CaseContact, CaseEvent, Supporter

Erase = Literal["delete", "pseudonymise", "retention"]


@dataclass(frozen=True)
class Table:
    kind: str  # the export's section
    model: type[Model]
    openid: tuple[str, ...]  # columns equal to the openid
    personal: tuple[str, ...] = ()  # other columns with personal data
    inside: tuple[str, ...] = ()  # columns that contain the openid (codes, keys)
    erase: Erase = "pseudonymise"
    exported: bool = True  # False: listed for erasure, exported through another section


TABLES: tuple[Table, ...] = (
    # core
    Table("profile", Person, ("openid",), ("name", "phone", "building", "unionid")),
    # the person's openid in the other WeChat app (Official Account / mini-program)
    Table("app_openids", AppOpenid, ("openid", "person_openid"), erase="delete"),
    # two people WeChat says are one (same UnionID) kept apart for an operator to join
    Table("app_conflicts", PersonConflict, ("oa_openid", "miniapp_openid"), ("unionid",),
          erase="delete"),
    Table("staff_invites", StaffInvite, ("used_by", "created_by"), ("name",)),
    Table("volunteer", Volunteer, ("openid",), ("name", "phone", "skills", "lat", "lng"),
          erase="delete"),
    Table("wishes", Wish, ("poster_openid", "beneficiary_openid", "claimant_openid",
                           "confirmed_by"),
          ("title", "details", "beneficiary_name", "phone", "address", "lat", "lng",
           "proof_note", "photo_id", "proof_photo_id")),
    Table("wish_events", WishEvent, ("actor",), ("note",)),
    # A photo's bytes are kept by ``path`` in the media store (``storage.media``: a file under
    # LINLI_MEDIA_DIR, or a MediaBlob row with LINLI_MEDIA_STORE=database); they carry no
    # openid, and go with the last Photo row showing them (erasure, retention).
    Table("photos", Photo, ("openid",), ("path", "sha256", "media_id")),
    Table("messages", ProcessedMessage, ("openid",), ("reply",), inside=("dedup_key",)),
    Table("pushes", OutboxMessage, ("openid",), ("payload",), inside=("key",), erase="delete"),
    Table("subscribe_grants", SubscribeGrant, ("openid",), erase="delete"),
    # the web console: sign-in links (deleted), and the audit log of what staff did and saw
    # (the actor pseudonymised, as case history is)
    Table("console_links", ConsoleLink, ("openid",), erase="delete"),
    Table("audit_entries", AuditEntry, ("actor_openid",), ("detail", "ip")),
    # reports
    Table("reports", Case, ("reporter_openid", "assignee_openid"),
          ("description", "address", "lat", "lng")),
    Table("case_events", CaseEvent, ("actor_openid",), ("note",)),
    Table("supports", Supporter, ("openid",)),
    Table("case_callers", CaseContact, (), ("name", "phone"), inside=(), erase="retention",
          exported=False),
    # ledger
    Table("points_accounts", Account, ("openid",), inside=("code",)),
    Table("points_transfers", Transfer, (), inside=("key",), exported=False),
    Table("points_awards", Award, ("openid",), inside=("key",)),
    Table("redemptions", Redemption, ("openid", "picked_up_by"), inside=("key",)),
    Table("expiry_notices", ExpiryNotice, ("openid",)),
    # geo: the contact people of a community and a grid (staff)
    Table("community_admin", Community, ("admin_openid",), ("admin_name", "admin_phone")),
    Table("grid_deputy", Grid, ("deputy_openid",), ("deputy_name", "deputy_phone")),
)

# Columns whose names look personal but are not about a person, with the reason.
NOT_PERSONAL: dict[tuple[str, str], str] = {
    ("Street", "name"): "a place",
    ("Community", "name"): "a place",
    ("Grid", "name"): "a place",
    ("Compound", "name"): "a place",
    ("Compound", "property_company"): "a company",
    ("Building", "name"): "a place",
    ("Category", "name"): "a kind of problem",
    ("Reward", "name"): "a reward",
    ("Open311Key", "name"): "an API client",
    ("Open311Request", "account_id"): "the Open311 client's own account id, echoed back",
}


@dataclass(frozen=True)
class RedisKey:
    name: str  # the ``storage.keys`` builder
    holds: str
    exported: bool


REDIS: tuple[RedisKey, ...] = (
    RedisKey("state", "the open conversation and its draft", True),
    RedisKey("expired", "what to say when the conversation times out (may quote the draft; "
             "a day, within the draft cap)", True),
    RedisKey("person", "a 30 s snapshot of the person's row", False),
    RedisKey("identity", "which person an app's openid belongs to (a day)", False),
    RedisKey("seen", "the time of the last message (48 h)", True),
    RedisKey("lock", "the per-person lock while a message is handled", False),
    RedisKey("notice", "notices waiting for the next reply", False),
    RedisKey("sessions_of", "the person's mini-program sessions (hashes)", True),
    RedisKey("session", "one session: openid and WeChat session_key", True),
    RedisKey("console_sessions_of", "the staff member's web console sessions (hashes)", False),
    RedisKey("console_session", "one console session: openid and its CSRF token", False),
    RedisKey("console_form", "console forms already submitted (a day)", False),
    RedisKey("rate", "request counters per person (api-person, api-write)", False),
    RedisKey("privacy_export", "a download link of 我的数据 (hash -> openid, 24 h)", False),
    RedisKey("privacy_export_of", "the person's current download link (24 h)", False),
)


def personal_columns() -> set[tuple[str, str]]:
    """(model, column) of every column the inventory names."""
    found: set[tuple[str, str]] = set()
    for t in TABLES:
        for column in (*t.openid, *t.personal, *t.inside):
            found.add((t.model.__name__, column))
    return found
