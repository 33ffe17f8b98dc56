"""The accounts table, and the cascades that follow an account across tables.

Items of the accounts table (pk / sk):
- `ACCOUNT#<id>` / `PROFILE`: the account holder's profile;
- `ACCOUNT#<id>` / `NOTIFICATION#<iso>#<id>`: notifications (subject requests, ...);
- `ACCOUNT#<id>` / `IMPORT#<import_id>` and `EXPORT#<export_id>`: large imports and exports, their
  status and an import's checkpoint (moved by conditional updates), expiring with their report;
  in the account's partition, so they go with the account at closure;
- `EMAIL#<email_hash>` / `ACCOUNT`: the address's one account, written with a condition, so a
  repeated sign-up cannot create a second account;
- `LOGIN#<email_hash>` / `FAILURES`: consecutive failed logins, expiring with the lockout window;
- `RESETMAIL#<email_hash>` / `THROTTLE`: the last password-reset email to an address, expiring
  after the 10 minutes in which no other goes out (conditional put);
- `RESET#<nonce>` / `USED`: a password-reset token that has been used, kept until the token
  expires (conditional put: a token works once);
- `REVOKED#<sha256 of a refresh token>` / `REFRESH`: a refresh token signed out of, kept as long as
  the token could live (only a digest: the token itself is a credential).

`AccountData` walks everything an account holds in the other tables (lists, contacts, consent
records, campaigns, content, events, suppressions): closure sets their expiry, deleting a contact
removes its consent records and events. `BulkContacts` creates an import's contacts in batches.

Access patterns (docs/architecture.md, data-access map): AccountRepository: reserve, bind, release
an address (`EMAIL#hash`/`ACCOUNT`, conditional put); account of an address; create, save, get a
profile; add a notification, list notifications newest first (query `ACCOUNT#id`, `NOTIFICATION#`
prefix); count, record, clear failed logins (atomic counter with expiry); claim the password-reset
email slot of an address (conditional put with expiry); use, release a reset token (conditional
put); revoke a refresh token, is it revoked (get); create an import or export (conditional put),
get it, start it, checkpoint an import's chunk (with the list counts its contacts add, in one
transaction), finish or fail it (conditional updates on its status and, for an import, its
offset), delete one that could not start. AccountData: closure sets `expires_at` on every item of
the account (lists, consent, campaigns by `by_account`; contacts and events by partition;
suppressions, counters, content by key); a list's contact keys, a contact's event keys; delete a
contact's consent records and events. BulkContacts: which contact ids exist (BatchGetItem); create
an import's contacts (conditional puts that never overwrite a contact) and their consent records
(batch writer), then read their addresses' erasure tombstones and take back the contacts being
erased.
"""

import uuid
from collections import defaultdict
from collections.abc import Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from consentmail.adapters import aws_clients
from consentmail.core.clock import epoch, iso
from consentmail.core.errors import Conflict
from consentmail.core.records import (
    AccountProfile,
    ConsentRecord,
    Contact,
    ExportJob,
    ImportJob,
    Notification,
    Rejection,
    TransferStatus,
)
from consentmail.core.retention import EXPIRY_BUCKET_ATTRIBUTE, TTL_ATTRIBUTE, ttl_attributes
from consentmail.core.tables import SCHEMAS, Table
from consentmail.store.consent import ledger_item
from consentmail.store.contacts import contact_item
from consentmail.store.counters import shard_item_keys
from consentmail.store.dynamo import (
    conditionally,
    from_dynamo,
    live,
    query_items,
    to_dynamo,
    transact,
    translated_errors,
)
from consentmail.store.list_counts import ListCounts, count_keys
from consentmail.store.suppression import SuppressionRepository, account_scope

PROFILE = "PROFILE"
# An import's contacts are written, then their tombstones read, this many at a time (BatchGetItem
# takes 100 keys).
_GROUP = 100
# An import's conditional puts go this many at a time (boto3 clients are thread-safe).
_PARALLEL_PUTS = 16
EMAIL_SK = "ACCOUNT"
FAILURES_SK = "FAILURES"
NOTIFICATION_PREFIX = "NOTIFICATION#"
THROTTLE_SK = "THROTTLE"
USED_SK = "USED"
REFRESH_SK = "REFRESH"
IMPORT_PREFIX = "IMPORT#"
EXPORT_PREFIX = "EXPORT#"
_JOB_KEYS = ("pk", "sk", TTL_ATTRIBUTE, EXPIRY_BUCKET_ATTRIBUTE)
_OPEN = (TransferStatus.WAITING, TransferStatus.RUNNING)


def account_pk(account_id: str) -> str:
    return f"ACCOUNT#{account_id}"


def email_pk(email_hash: str) -> str:
    return f"EMAIL#{email_hash}"


def login_pk(email_hash: str) -> str:
    return f"LOGIN#{email_hash}"


def reset_mail_pk(email_hash: str) -> str:
    return f"RESETMAIL#{email_hash}"


def reset_pk(nonce: str) -> str:
    return f"RESET#{nonce}"


def revoked_pk(token_digest: str) -> str:
    return f"REVOKED#{token_digest}"


def _expiry_of(profile: AccountProfile | None) -> dict:
    if profile is None or profile.deletion_due is None:
        return {}
    return ttl_attributes(profile.deletion_due, account_pk(profile.account_id))


def profile_of(item: dict) -> AccountProfile:
    """The profile record of a stored profile item."""
    data = {
        k: v
        for k, v in from_dynamo(item).items()
        if k not in ("pk", "sk", TTL_ATTRIBUTE, EXPIRY_BUCKET_ATTRIBUTE)
    }
    return AccountProfile.model_validate(data)


def _profile_item(profile: AccountProfile) -> dict:
    data = profile.model_dump(mode="json", exclude_none=True)
    return to_dynamo({"pk": account_pk(profile.account_id), "sk": PROFILE, **data, **_expiry_of(profile)})


class AccountRepository:
    def __init__(self, table=None):
        self._table = table or aws_clients.table(Table.ACCOUNTS)

    # --- the address's one account -----------------------------------------------------------

    def reserve_email(self, email_hash: str, at: datetime) -> None:
        """Claim the address for a new account: Conflict if an account (or a sign-up in progress)
        already holds it."""
        with translated_errors("An account with this email address already exists."):
            self._table.put_item(
                Item={"pk": email_pk(email_hash), "sk": EMAIL_SK, "reserved_at": iso(at)},
                ConditionExpression="attribute_not_exists(pk)",
            )

    def bind_email(self, email_hash: str, account_id: str) -> None:
        self._table.update_item(
            Key={"pk": email_pk(email_hash), "sk": EMAIL_SK},
            UpdateExpression="SET account_id = :a",
            ExpressionAttributeValues={":a": account_id},
        )

    def release_email(self, email_hash: str) -> None:
        """Undo a reservation whose sign-up failed (never one bound to an account)."""
        try:
            self._table.delete_item(
                Key={"pk": email_pk(email_hash), "sk": EMAIL_SK},
                ConditionExpression="attribute_not_exists(account_id)",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def account_of_email(self, email_hash: str, at: datetime) -> str | None:
        item = live(self._table.get_item(Key={"pk": email_pk(email_hash), "sk": EMAIL_SK}).get("Item"), at)
        return item.get("account_id") if item else None

    # --- profile -----------------------------------------------------------------------------

    def create_profile(self, profile: AccountProfile) -> None:
        with translated_errors("This account already exists."):
            self._table.put_item(Item=_profile_item(profile), ConditionExpression="attribute_not_exists(pk)")

    def save_profile(self, profile: AccountProfile) -> None:
        with translated_errors("This account no longer exists."):
            self._table.put_item(Item=_profile_item(profile), ConditionExpression="attribute_exists(pk)")

    def get_profile(self, account_id: str, at: datetime) -> AccountProfile | None:
        item = live(self._table.get_item(Key={"pk": account_pk(account_id), "sk": PROFILE}).get("Item"), at)
        return profile_of(item) if item else None

    # --- notifications -----------------------------------------------------------------------

    def add_notification(self, account_id: str, kind: str, data: dict, at: datetime) -> Notification:
        """Tell the account holder something (e.g. a recipient's rectification or erasure). A
        closed account's notifications leave with it."""
        notification = Notification(notification_id=uuid.uuid4().hex, kind=kind, created_at=at, data=data)
        profile = self.get_profile(account_id, at)
        item = {
            "pk": account_pk(account_id),
            "sk": f"{NOTIFICATION_PREFIX}{iso(at)}#{notification.notification_id}",
            **notification.model_dump(mode="json"),
            **_expiry_of(profile),
        }
        self._table.put_item(Item=to_dynamo(item))
        return notification

    def notifications(self, account_id: str, at: datetime, limit: int = 200) -> list[Notification]:
        """The newest first."""
        result = self._table.query(
            KeyConditionExpression=Key("pk").eq(account_pk(account_id))
            & Key("sk").begins_with(NOTIFICATION_PREFIX),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [
            Notification.model_validate(
                {k: v for k, v in from_dynamo(i).items() if k in Notification.model_fields}
            )
            for i in result.get("Items", [])
            if live(i, at)
        ]

    # --- failed logins -----------------------------------------------------------------------

    def login_failures(self, email_hash: str, at: datetime) -> int:
        item = live(self._table.get_item(Key={"pk": login_pk(email_hash), "sk": FAILURES_SK}).get("Item"), at)
        return int(item["failures"]) if item else 0

    def record_login_failure(self, email_hash: str, at: datetime, window: timedelta) -> int:
        """Count one more consecutive failure; the count forgets itself `window` after the last
        one. Returns the new count. Atomic, so parallel guesses are all counted."""
        key = {"pk": login_pk(email_hash), "sk": FAILURES_SK}
        expiry = ttl_attributes(at + window, login_pk(email_hash))
        values = {
            ":one": 1,
            ":zero": 0,
            ":now": epoch(at),
            ":e": expiry[TTL_ATTRIBUTE],
            ":b": expiry[EXPIRY_BUCKET_ATTRIBUTE],
        }
        update = "SET failures = if_not_exists(failures, :zero) + :one, expires_at = :e, expiry_bucket = :b"
        try:
            result = self._table.update_item(
                Key=key,
                UpdateExpression=update,
                ConditionExpression="attribute_not_exists(pk) OR expires_at > :now",
                ExpressionAttributeValues=values,
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            # The previous series expired (TTL has not removed it yet): start a new one.
            self._table.put_item(Item={**key, "failures": 1, **expiry})
            return 1
        return int(result["Attributes"]["failures"])

    def clear_login_failures(self, email_hash: str) -> None:
        self._table.delete_item(Key={"pk": login_pk(email_hash), "sk": FAILURES_SK})

    # --- password reset ----------------------------------------------------------------------

    def claim_reset_email(self, email_hash: str, at: datetime, window: timedelta) -> bool:
        """Take the address's one password-reset email of the next `window`: False when one went
        out less than `window` ago. Conditional, so parallel requests send one email between them."""
        pk = reset_mail_pk(email_hash)
        return conditionally(
            self._table.put_item,
            Item={"pk": pk, "sk": THROTTLE_SK, "sent_at": iso(at), **ttl_attributes(at + window, pk)},
            ConditionExpression="attribute_not_exists(pk) OR expires_at <= :now",
            ExpressionAttributeValues={":now": epoch(at)},
        )

    def use_reset_token(self, nonce: str, at: datetime, token_expires: datetime) -> bool:
        """Mark a reset token used: True for its first use only. Kept until the token expires,
        after which the signature check refuses it anyway."""
        pk = reset_pk(nonce)
        return conditionally(
            self._table.put_item,
            Item={"pk": pk, "sk": USED_SK, "used_at": iso(at), **ttl_attributes(token_expires, pk)},
            ConditionExpression="attribute_not_exists(pk)",
        )

    def release_reset_token(self, nonce: str) -> None:
        """Undo `use_reset_token` when the new password could not be set: the token works again."""
        self._table.delete_item(Key={"pk": reset_pk(nonce), "sk": USED_SK})

    # --- signed-out refresh tokens -----------------------------------------------------------

    def revoke_refresh_token(self, token_digest: str, at: datetime, until: datetime) -> None:
        pk = revoked_pk(token_digest)
        item = {"pk": pk, "sk": REFRESH_SK, "revoked_at": iso(at), **ttl_attributes(until, pk)}
        self._table.put_item(Item=item)

    def is_refresh_token_revoked(self, token_digest: str, at: datetime) -> bool:
        item = self._table.get_item(Key={"pk": revoked_pk(token_digest), "sk": REFRESH_SK}).get("Item")
        return live(item, at) is not None

    # --- large imports and exports -------------------------------------------------------------

    @staticmethod
    def _job_key(job_type: type[ImportJob] | type[ExportJob], account_id: str, job_id: str) -> dict:
        prefix = IMPORT_PREFIX if job_type is ImportJob else EXPORT_PREFIX
        return {"pk": account_pk(account_id), "sk": f"{prefix}{job_id}"}

    def create_job(self, job: ImportJob | ExportJob, expiry: datetime) -> None:
        """A new import or export, gone at `expiry` (its report's or its file's lifetime)."""
        job_id = job.import_id if isinstance(job, ImportJob) else job.export_id
        key = self._job_key(type(job), job.account_id, job_id)
        item = {**key, **job.model_dump(mode="json"), **ttl_attributes(expiry, key["pk"])}
        with translated_errors("This import or export already exists."):
            self._table.put_item(Item=to_dynamo(item), ConditionExpression="attribute_not_exists(pk)")

    def _job(self, job_type, account_id: str, job_id: str, at: datetime):
        item = self._table.get_item(Key=self._job_key(job_type, account_id, job_id), ConsistentRead=True)
        found = live(item.get("Item"), at)
        if not found:
            return None
        return job_type.model_validate({k: v for k, v in from_dynamo(found).items() if k not in _JOB_KEYS})

    def import_job(self, account_id: str, import_id: str, at: datetime) -> ImportJob | None:
        return self._job(ImportJob, account_id, import_id, at)

    def export_job(self, account_id: str, export_id: str, at: datetime) -> ExportJob | None:
        return self._job(ExportJob, account_id, export_id, at)

    def _move(self, job_type, account_id: str, job_id: str, **moves) -> bool:
        """Set `values`, add to the counters `add` and append to the lists `append`, if the job is
        in one of `statuses` and its attributes are as `expected`: True when it moved."""
        update = self._update(job_type, account_id, job_id, **moves)
        return conditionally(self._table.update_item, **update)

    def _update(
        self,
        job_type,
        account_id: str,
        job_id: str,
        *,
        statuses: tuple[TransferStatus, ...],
        values: dict,
        add: dict | None = None,
        append: dict | None = None,
        expected: dict | None = None,
    ) -> dict:
        """The UpdateItem of `_move`."""
        names: dict[str, str] = {"#status": "status"}
        bound: dict = {}
        parts: list[str] = []
        for n, (name, value) in enumerate(values.items()):
            names[f"#v{n}"], bound[f":v{n}"] = name, value
            parts.append(f"#v{n} = :v{n}")
        for n, (name, value) in enumerate((add or {}).items()):
            names[f"#a{n}"], bound[f":a{n}"] = name, value
            parts.append(f"#a{n} = #a{n} + :a{n}")
        for n, (name, value) in enumerate((append or {}).items()):
            names[f"#l{n}"], bound[f":l{n}"] = name, value
            parts.append(f"#l{n} = list_append(#l{n}, :l{n})")
        allowed = []
        for n, status in enumerate(statuses):
            bound[f":s{n}"] = status.value
            allowed.append(f"#status = :s{n}")
        condition = f"({' OR '.join(allowed)})"
        for n, (name, value) in enumerate((expected or {}).items()):
            names[f"#e{n}"], bound[f":e{n}"] = name, value
            condition += f" AND #e{n} = :e{n}"
        return {
            "Key": self._job_key(job_type, account_id, job_id),
            "UpdateExpression": "SET " + ", ".join(parts),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_dynamo(bound),
        }

    def start_import(self, job: ImportJob, **layout) -> bool:
        """waiting -> running, with what the worker learned of the file (`started_at`, `etag`,
        `encoding`, `header`, `rows`, `offset`, `line`): only the first worker starts it."""
        values = {"status": TransferStatus.RUNNING.value, **_plain(layout)}
        return self._move(
            ImportJob, job.account_id, job.import_id, statuses=(TransferStatus.WAITING,), values=values
        )

    def checkpoint_import(
        self,
        job: ImportJob,
        *,
        offset: int,
        line: int,
        imported: int,
        rejected: list[Rejection],
        rejected_count: int,
        counts: dict[str, int],
        finished_at: datetime | None,
    ) -> bool:
        """One chunk done: the import's offset moves from `job.offset` to `offset`, its counts grow
        and the first rejections are kept; in the same transaction, what the chunk's contacts add
        to the list's counts (`counts`, by status) is added. Only if the offset is still
        `job.offset`, so a chunk done twice (after a crash, or by a redelivery racing a
        continuation) is counted once, in the import as in the list."""
        values: dict = {"offset": offset, "line": line}
        if finished_at is not None:
            values |= {"status": TransferStatus.DONE.value, "finished_at": iso(finished_at)}
        update = self._update(
            ImportJob,
            job.account_id,
            job.import_id,
            statuses=(TransferStatus.RUNNING,),
            values=values,
            add={"imported": imported, "rejected_count": rejected_count},
            append={"rejected": [r.model_dump() for r in rejected]},
            expected={"offset": job.offset},
        )
        counted = ListCounts().adding(job.list_id, counts)
        if not counted:
            return conditionally(self._table.update_item, **update)
        moved = {"Update": {"TableName": self._table.name, **update}}
        return not transact(self._table.meta.client, [moved, *counted])

    def start_export(self, job: ExportJob) -> bool:
        """waiting (or running, for a redelivered export that starts over) -> running."""
        return self._move(
            ExportJob,
            job.account_id,
            job.export_id,
            statuses=_OPEN,
            values={"status": TransferStatus.RUNNING.value},
        )

    def finish_export(self, job: ExportJob, rows: int, at: datetime) -> bool:
        return self._move(
            ExportJob,
            job.account_id,
            job.export_id,
            statuses=(TransferStatus.RUNNING,),
            values={"status": TransferStatus.DONE.value, "rows": rows, "finished_at": iso(at)},
        )

    def delete_job(self, job: ImportJob | ExportJob) -> None:
        """Undo `create_job` when what it was for could not start (its queue message not sent)."""
        job_id = job.import_id if isinstance(job, ImportJob) else job.export_id
        self._table.delete_item(Key=self._job_key(type(job), job.account_id, job_id))

    def fail_job(self, job: ImportJob | ExportJob, error: str, at: datetime) -> bool:
        """An import or export that cannot go on, with the reason its owner reads."""
        job_id = job.import_id if isinstance(job, ImportJob) else job.export_id
        return self._move(
            type(job),
            job.account_id,
            job_id,
            statuses=_OPEN,
            values={"status": TransferStatus.FAILED.value, "error": error, "finished_at": iso(at)},
        )


def _plain(values: dict) -> dict:
    return {k: iso(v) if isinstance(v, datetime) else v for k, v in values.items()}


def _key_names(table: Table) -> tuple[str, ...]:
    schema = SCHEMAS[table]
    return (schema.partition.name,) + ((schema.sort.name,) if schema.sort else ())


def set_expiry(table, table_kind: Table, key: dict, expiry: datetime) -> bool:
    """Make an existing item expire at `expiry`, unless it already expires earlier (content's 6
    days, events' 13 months stay as they are). False when the item is gone or expires earlier."""
    attributes = ttl_attributes(expiry, "#".join(str(key[name]) for name in _key_names(table_kind)))
    try:
        table.update_item(
            Key=key,
            UpdateExpression="SET expires_at = :e, expiry_bucket = :b",
            ConditionExpression="attribute_exists(#k) AND "
            "(attribute_not_exists(expires_at) OR expires_at > :e)",
            ExpressionAttributeNames={"#k": _key_names(table_kind)[0]},
            ExpressionAttributeValues={
                ":e": attributes[TTL_ATTRIBUTE],
                ":b": attributes[EXPIRY_BUCKET_ATTRIBUTE],
            },
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


class AccountData:
    """Everything an account holds, across tables."""

    def __init__(self, tables: dict[Table, object] | None = None):
        self._tables = tables or {}

    def _table(self, kind: Table):
        if kind not in self._tables:
            self._tables[kind] = aws_clients.table(kind)
        return self._tables[kind]

    def _keys(self, kind: Table, item: dict) -> dict:
        return {name: item[name] for name in _key_names(kind)}

    def expire_account(self, account_id: str, email_hash: str, expiry: datetime) -> int:
        """Set `expiry` on every item of the account; returns how many items now carry it.
        The purge deletes them by then (and TTL as the backstop)."""
        count = 0

        def expire(kind: Table, key: dict) -> None:
            nonlocal count
            count += set_expiry(self._table(kind), kind, key, expiry)

        accounts = self._table(Table.ACCOUNTS)
        for item in query_items(
            accounts,
            KeyConditionExpression=Key("pk").eq(account_pk(account_id)),
            ProjectionExpression="pk, sk",
        ):
            expire(Table.ACCOUNTS, self._keys(Table.ACCOUNTS, item))
        expire(Table.ACCOUNTS, {"pk": email_pk(email_hash), "sk": EMAIL_SK})

        by_account = {"IndexName": "by_account", "KeyConditionExpression": Key("account_id").eq(account_id)}
        for item in query_items(self._table(Table.LISTS), **by_account):
            list_id = item["list_id"]
            for contact in self.contact_keys(list_id):
                for event in self.event_keys(contact["contact_id"]):
                    expire(Table.EVENTS, event)
                if contact.get("email_hash"):
                    expire(
                        Table.SUPPRESSION,
                        {"email_hash": contact["email_hash"], "scope": account_scope(account_id)},
                    )
                expire(Table.CONTACTS, {"list_id": list_id, "contact_id": contact["contact_id"]})
            expire(Table.LISTS, {"list_id": list_id})
            for key in count_keys(list_id):
                expire(Table.LISTS, key)

        for item in query_items(self._table(Table.CONSENT), **by_account):
            expire(Table.CONSENT, self._keys(Table.CONSENT, item))

        campaign_ids = {
            item["campaign_id"] for item in query_items(self._table(Table.CAMPAIGNS), **by_account)
        }
        for campaign_id in sorted(campaign_ids):
            for item in query_items(
                self._table(Table.CAMPAIGNS),
                KeyConditionExpression=Key("campaign_id").eq(campaign_id),
                ProjectionExpression="campaign_id, sk",
            ):
                expire(Table.CAMPAIGNS, self._keys(Table.CAMPAIGNS, item))
            for item in shard_item_keys(self._table(Table.CAMPAIGNS), campaign_id):
                expire(Table.CAMPAIGNS, self._keys(Table.CAMPAIGNS, item))
            expire(Table.CONTENT, {"campaign_id": campaign_id})
        return count

    def contact_keys(self, list_id: str) -> Iterator[dict]:
        return query_items(
            self._table(Table.CONTACTS),
            KeyConditionExpression=Key("list_id").eq(list_id),
            ProjectionExpression="list_id, contact_id, email_hash",
        )

    def event_keys(self, contact_id: str) -> Iterator[dict]:
        return query_items(
            self._table(Table.EVENTS),
            KeyConditionExpression=Key("contact_id").eq(contact_id),
            ProjectionExpression="contact_id, sk",
        )

    def delete_contact_traces(self, email_hash: str, contact_id: str) -> None:
        """A deleted contact's consent records and events go with it."""
        consent = self._table(Table.CONSENT)
        records = query_items(
            consent,
            KeyConditionExpression=Key("email_hash").eq(email_hash),
            FilterExpression=Attr("contact_id").eq(contact_id),
            ProjectionExpression="email_hash, record_id",
        )
        with consent.batch_writer() as batch:
            for record in list(records):
                batch.delete_item(Key=self._keys(Table.CONSENT, record))
        events = self._table(Table.EVENTS)
        with events.batch_writer() as batch:
            for event in list(self.event_keys(contact_id)):
                batch.delete_item(Key=event)


@dataclass
class Created:
    """What `BulkContacts.create` did: the contacts already on the list (left as they were), those
    taken back because their address is being erased, and what the contacts it leaves on the list
    add to the list's counts, by status. Those are not added yet: the synchronous import adds them
    (`ListCounts.add`), a large import with its chunk's checkpoint, in one transaction."""

    existed: set[str]
    erased: set[str]
    counts: dict[str, int]


class BulkContacts:
    """Many contacts of one list at once, for imports: which already exist (BatchGetItem, 100 keys a
    call), and creating the new ones (conditional puts, 16 at a time) with their consent records
    (BatchWriteItem, 25 items a call), so a 10,000-row import makes hundreds of round trips, not tens
    of thousands.

    Each contact is created only if absent, so one added or changed since `existing` answered (by
    the subscribe form, the API, another import) stays as it is. Puts take no erasure check (a
    transaction per contact would): each group of contacts written is followed by a strongly
    consistent read of its addresses' tombstones, and the contacts whose address is being erased
    are deleted again with their records, so that either the erasure finds them or this read finds
    its tombstone (docs/retention.md)."""

    def __init__(self, contacts=None, consent=None, suppression=None):
        self._contacts = contacts or aws_clients.table(Table.CONTACTS)
        self._consent = consent or aws_clients.table(Table.CONSENT)
        self._suppression = suppression

    def existing(self, list_id: str, contact_ids: list[str], at: datetime) -> set[str]:
        found: set[str] = set()
        client = self._contacts.meta.client
        name = self._contacts.name
        ids = list(dict.fromkeys(contact_ids))
        for start in range(0, len(ids), 100):
            keys = [{"list_id": list_id, "contact_id": c} for c in ids[start : start + 100]]
            request: dict | None = {
                name: {"Keys": keys, "ProjectionExpression": "contact_id, expires_at", "ConsistentRead": True}
            }
            while request:
                response = client.batch_get_item(RequestItems=request)
                found.update(
                    i["contact_id"] for i in response.get("Responses", {}).get(name, []) if live(i, at)
                )
                request = response.get("UnprocessedKeys") or None
        return found

    def create(
        self,
        contacts: list[Contact],
        records: list[ConsentRecord],
        at: datetime,
        written: Collection[str] = (),
    ) -> Created:
        """Create the contacts (of one list) with their ledger entries (`records`), each only if
        absent, except those in `written` (a large import's own, created by an attempt that
        crashed before its checkpoint: only their ledger entries, whose ids are the same each time,
        are written again; they count as created). Contacts taken back leave the counts: a take-back
        that finds its contact gone (the erasure deleted it first, and took it out of the counts)
        leaves it counted."""
        if len({c.list_id for c in contacts}) > 1:
            raise ValueError("the contacts of one list at a time")
        ledger: dict[str, list[ConsentRecord]] = defaultdict(list)
        for record in records:
            ledger[record.contact_id].append(record)
        suppression = self._suppression or SuppressionRepository()
        done = set(written)
        created = Created(set(), set(), {})
        for start in range(0, len(contacts), _GROUP):
            group = contacts[start : start + _GROUP]
            created.existed |= self._put_absent([c for c in group if c.contact_id not in done])
            group = [c for c in group if c.contact_id not in created.existed]
            with self._consent.batch_writer() as batch:
                for contact in group:
                    for record in ledger[contact.contact_id]:
                        batch.put_item(Item=ledger_item(record))
            erasing = suppression.being_erased_of([c.email_hash for c in group], at)
            taken_back = [c for c in group if c.email_hash in erasing]
            created.erased.update(c.contact_id for c in taken_back)
            deleted = self._take_back(taken_back, ledger)
            for contact in group:
                if contact.contact_id not in deleted:
                    status = contact.status.value
                    created.counts[status] = created.counts.get(status, 0) + 1
        return created

    def _put_absent(self, contacts: list[Contact]) -> set[str]:
        """Create each contact if absent, 16 at a time; answers the ids that existed."""
        client = self._contacts.meta.client
        name = self._contacts.name

        def put(contact: Contact) -> str | None:
            try:
                with translated_errors():
                    client.put_item(
                        TableName=name,
                        Item=contact_item(contact),
                        ConditionExpression="attribute_not_exists(contact_id)",
                    )
            except Conflict:
                return contact.contact_id
            return None

        if not contacts:
            return set()
        with ThreadPoolExecutor(max_workers=min(_PARALLEL_PUTS, len(contacts))) as pool:
            return {contact_id for contact_id in pool.map(put, contacts) if contact_id}

    def _take_back(self, contacts: list[Contact], ledger: dict[str, list[ConsentRecord]]) -> set[str]:
        """Delete the contacts and their ledger entries; answers the ids it found and deleted (the
        others the erasure deleted first)."""
        deleted: set[str] = set()
        for contact in contacts:
            # One by one (rare).
            key = {"list_id": contact.list_id, "contact_id": contact.contact_id}
            if self._contacts.delete_item(Key=key, ReturnValues="ALL_OLD").get("Attributes"):
                deleted.add(contact.contact_id)
        with self._consent.batch_writer() as batch:
            for contact in contacts:
                for record in ledger[contact.contact_id]:
                    batch.delete_item(Key={"email_hash": record.email_hash, "record_id": record.record_id})
        return deleted
