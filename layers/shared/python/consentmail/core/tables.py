"""Every DynamoDB table: its logical name, keys and indexes. The one schema the CDK stacks, local
mode and the tests create tables from, and the repositories read.

Each table holding expiring items has TTL on `expires_at` and the sparse `by_expiry` index
(partition: expiry month + shard, sort: `expires_at`), which the purge queries instead of scanning.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from consentmail.core.retention import EXPIRY_BUCKET_ATTRIBUTE, EXPIRY_INDEX, TTL_ATTRIBUTE


class Table(StrEnum):
    ACCOUNTS = "accounts"
    LISTS = "lists"
    CONTACTS = "contacts"
    CONSENT = "consent"
    CAMPAIGNS = "campaigns"
    CONTENT = "content"
    EVENTS = "events"
    REQUESTS = "requests"
    SUPPRESSION = "suppression"
    RECEIPTS = "receipts"


@dataclass(frozen=True)
class Key:
    name: str
    type: str = "S"


@dataclass(frozen=True)
class Index:
    name: str
    partition: Key
    sort: Key | None = None
    # KEYS_ONLY indexes are for finding items, not reading them: cheapest to write.
    keys_only: bool = False


@dataclass(frozen=True)
class TableSchema:
    table: Table
    partition: Key
    sort: Key | None = None
    indexes: tuple[Index, ...] = field(default_factory=tuple)
    # Point-in-time recovery period in days, or None for none; see docs/retention.md for why.
    recovery_days: int | None = None

    @property
    def env_var(self) -> str:
        return f"CONSENTMAIL_TABLE_{self.table.name}"


EXPIRY = Index(EXPIRY_INDEX, Key(EXPIRY_BUCKET_ATTRIBUTE), Key(TTL_ATTRIBUTE, "N"), keys_only=True)
# The recovery period of tables that hold account data: a closed account is purged this many
# days (plus the purge's own hour) before its deletion_due, so its backups are gone by then too.
ACCOUNT_DATA_RECOVERY_DAYS = 7
RECEIPTS_RECOVERY_DAYS = 35

SCHEMAS: dict[Table, TableSchema] = {
    schema.table: schema
    for schema in (
        TableSchema(Table.ACCOUNTS, Key("pk"), Key("sk"), (EXPIRY,), ACCOUNT_DATA_RECOVERY_DAYS),
        TableSchema(
            Table.LISTS,
            Key("list_id"),
            None,
            (Index("by_account", Key("account_id"), Key("created_at")), EXPIRY),
            ACCOUNT_DATA_RECOVERY_DAYS,
        ),
        TableSchema(
            Table.CONTACTS,
            Key("list_id"),
            Key("contact_id"),
            (Index("by_email", Key("email_hash"), Key("list_id")), EXPIRY),
            ACCOUNT_DATA_RECOVERY_DAYS,
        ),
        TableSchema(
            Table.CONSENT,
            Key("email_hash"),
            Key("record_id"),
            (Index("by_account", Key("account_id"), Key("record_id"), keys_only=True), EXPIRY),
            ACCOUNT_DATA_RECOVERY_DAYS,
        ),
        TableSchema(
            Table.CAMPAIGNS,
            Key("campaign_id"),
            Key("sk"),
            (Index("by_account", Key("account_id"), Key("created_at")), EXPIRY),
            ACCOUNT_DATA_RECOVERY_DAYS,
        ),
        # Message content: no backups, since even the shortest recovery period (1 day) would
        # keep content past its 6 days.
        TableSchema(Table.CONTENT, Key("campaign_id"), None, (EXPIRY,), None),
        # Event data: no backups, so deleted events are gone at 13 months, not 13 months + N days.
        # Keyed by contact: erasure, access and closure find a contact's events in one query.
        TableSchema(Table.EVENTS, Key("contact_id"), Key("sk"), (EXPIRY,), None),
        TableSchema(
            Table.REQUESTS,
            Key("pk"),
            Key("sk"),
            (Index("by_due", Key("open_bucket"), Key("due_at")), EXPIRY),
            ACCOUNT_DATA_RECOVERY_DAYS,
        ),
        TableSchema(
            Table.SUPPRESSION, Key("email_hash"), Key("scope"), (EXPIRY,), ACCOUNT_DATA_RECOVERY_DAYS
        ),
        # Deletion receipts (no personal data): an account's newest first; a month's for the audit.
        # The longest recovery period: they are evidence, and no retention promise limits them.
        TableSchema(
            Table.RECEIPTS,
            Key("pk"),
            Key("sk"),
            (Index("by_month", Key("month"), Key("sk")), EXPIRY),
            RECEIPTS_RECOVERY_DAYS,
        ),
    )
}


def attribute_definitions(schema: TableSchema) -> list[Key]:
    """Every key attribute of the table and its indexes, once each."""
    keys = [schema.partition, schema.sort] + [k for i in schema.indexes for k in (i.partition, i.sort)]
    seen: dict[str, Key] = {}
    for key in keys:
        if key is not None:
            seen.setdefault(key.name, key)
    return list(seen.values())
