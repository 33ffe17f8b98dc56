"""Finishing a closed account: deleting every item it holds, in every table (its Cognito user is
the purge's to delete, through adapters/cognito.py, between the items and the profile).

Closure (accounts service) already set every item's expiry to the account's deletion_due; the
purge finishes the account earlier than that (see purge/service.py) so that the tables'
point-in-time recovery, which keeps deleted items for its period, holds nothing of it after
deletion_due. The walk follows the account's own indexes (lists, consent records and campaigns
by account; contacts and events by partition) and deletes the profile last: if a run stops
half-way, the profile is still there and the next run finishes the job.

Access patterns: closed profiles due by a time (the accounts table's `by_expiry` index, profiles
only); the account's lists, consent records and campaigns (`by_account` indexes); each list's
contacts and each contact's events (partitions); the account's suppressions, counters, content,
address and lockout items (by key); the account partition (notifications).
"""

from collections.abc import Iterator
from datetime import datetime

from boto3.dynamodb.conditions import Key

from consentmail.adapters import aws_clients
from consentmail.core.addresses import email_hash
from consentmail.core.records import AccountProfile, AccountStatus
from consentmail.core.tables import Table
from consentmail.store.accounts import (
    EMAIL_SK,
    FAILURES_SK,
    PROFILE,
    account_pk,
    email_pk,
    login_pk,
    profile_of,
)
from consentmail.store.counters import shard_item_keys
from consentmail.store.dynamo import query_items
from consentmail.store.expiry import ExpiryIndex, key_names
from consentmail.store.list_counts import count_keys
from consentmail.store.suppression import account_scope


class ClosedAccounts:
    def __init__(self, tables: dict | None = None):
        self._tables = dict(tables or {})

    def _table(self, kind: Table):
        if kind not in self._tables:
            self._tables[kind] = aws_clients.table(kind)
        return self._tables[kind]

    def profile(self, account_id: str) -> AccountProfile | None:
        """The stored profile, expired or not (closure gave it an expiry)."""
        item = (
            self._table(Table.ACCOUNTS)
            .get_item(Key={"pk": account_pk(account_id), "sk": PROFILE}, ConsistentRead=True)
            .get("Item")
        )
        return profile_of(item) if item else None

    def closed_due(self, months: list[str], until: datetime) -> Iterator[AccountProfile]:
        """Closed accounts whose profile expires (closure set it to deletion_due) in these months,
        by `until`."""
        index = ExpiryIndex(Table.ACCOUNTS, self._table(Table.ACCOUNTS))
        for month in months:
            for key in list(index.due_keys(month, until)):
                if key["sk"] != PROFILE:
                    continue
                profile = self.profile(key["pk"].removeprefix(account_pk("")))
                if profile and profile.status == AccountStatus.CLOSED and profile.deletion_due:
                    yield profile

    def finish(self, profile: AccountProfile) -> dict[Table, int]:
        """Delete everything of the account but its profile (`delete_profile`, last); returns the
        items deleted per table."""
        account_id = profile.account_id
        deleted: dict[Table, int] = {}
        pending: dict[Table, list[dict]] = {}

        def drop(kind: Table, item: dict) -> None:
            pending.setdefault(kind, []).append({name: item[name] for name in key_names(kind)})

        by_account = {"IndexName": "by_account", "KeyConditionExpression": Key("account_id").eq(account_id)}
        hashes: set[str] = set()
        for mailing_list in query_items(self._table(Table.LISTS), **by_account):
            list_id = mailing_list["list_id"]
            for contact in query_items(
                self._table(Table.CONTACTS),
                KeyConditionExpression=Key("list_id").eq(list_id),
                ProjectionExpression="list_id, contact_id, email_hash",
            ):
                for event in query_items(
                    self._table(Table.EVENTS),
                    KeyConditionExpression=Key("contact_id").eq(contact["contact_id"]),
                    ProjectionExpression="contact_id, sk",
                ):
                    drop(Table.EVENTS, event)
                if contact.get("email_hash"):
                    hashes.add(contact["email_hash"])
                drop(Table.CONTACTS, contact)
            drop(Table.LISTS, mailing_list)
            for key in count_keys(list_id):
                if self._table(Table.LISTS).get_item(Key=key).get("Item"):
                    drop(Table.LISTS, key)
        for record in query_items(self._table(Table.CONSENT), **by_account):
            hashes.add(record["email_hash"])
            drop(Table.CONSENT, record)
        # Bounce and complaint suppressions of this account, for every address it ever held.
        scope = account_scope(account_id)
        suppression = self._table(Table.SUPPRESSION)
        for hashed in sorted(hashes):
            if suppression.get_item(Key={"email_hash": hashed, "scope": scope}).get("Item"):
                drop(Table.SUPPRESSION, {"email_hash": hashed, "scope": scope})
        campaign_ids = {c["campaign_id"] for c in query_items(self._table(Table.CAMPAIGNS), **by_account)}
        for campaign_id in sorted(campaign_ids):
            for item in query_items(
                self._table(Table.CAMPAIGNS),
                KeyConditionExpression=Key("campaign_id").eq(campaign_id),
                ProjectionExpression="campaign_id, sk",
            ):
                drop(Table.CAMPAIGNS, item)
            for item in list(shard_item_keys(self._table(Table.CAMPAIGNS), campaign_id)):
                drop(Table.CAMPAIGNS, item)
            if self._table(Table.CONTENT).get_item(Key={"campaign_id": campaign_id}).get("Item"):
                drop(Table.CONTENT, {"campaign_id": campaign_id})
        holder_hash = email_hash(profile.email) if profile.email else None
        if holder_hash:
            for pk, sk in ((email_pk(holder_hash), EMAIL_SK), (login_pk(holder_hash), FAILURES_SK)):
                if self._table(Table.ACCOUNTS).get_item(Key={"pk": pk, "sk": sk}).get("Item"):
                    drop(Table.ACCOUNTS, {"pk": pk, "sk": sk})
        for item in query_items(
            self._table(Table.ACCOUNTS),
            KeyConditionExpression=Key("pk").eq(account_pk(account_id)),
            ProjectionExpression="pk, sk",
        ):
            if item["sk"] != PROFILE:
                drop(Table.ACCOUNTS, item)

        for kind, keys in pending.items():
            with self._table(kind).batch_writer(overwrite_by_pkeys=list(key_names(kind))) as batch:
                for key in keys:
                    batch.delete_item(Key=key)
            deleted[kind] = len(keys)
        return deleted

    def delete_profile(self, account_id: str) -> int:
        """The profile, last: until it goes, the next run knows the account is still to finish."""
        self._table(Table.ACCOUNTS).delete_item(Key={"pk": account_pk(account_id), "sk": PROFILE})
        return 1
