"""The retention promises, in one place: the three periods, the TTL computation, "is it expired".

Every writer of an expiring item takes its `expires_at` (and the expiry-index bucket) from here,
the purge reads the same periods, and the README's retention table documents them.
"""

import calendar
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from consentmail.core.clock import epoch

TTL_ATTRIBUTE = "expires_at"
EXPIRY_BUCKET_ATTRIBUTE = "expiry_bucket"
EXPIRY_INDEX = "by_expiry"
# The expiry index is partitioned by expiry month and a shard, so a month of writes spreads over
# EXPIRY_SHARDS index partitions instead of one hot key.
EXPIRY_SHARDS = 16


class RetentionClass(StrEnum):
    CONTENT = "content"
    EVENTS = "events"
    ACCOUNT = "account"


@dataclass(frozen=True)
class Period:
    days: int = 0
    months: int = 0

    def after(self, moment: datetime) -> datetime:
        return add_months(moment, self.months) + timedelta(days=self.days)

    def before(self, moment: datetime) -> datetime:
        """The start of a period that ends at `moment`."""
        return add_months(moment - timedelta(days=self.days), -self.months)


MESSAGE_CONTENT = Period(days=6)
EVENT_DATA = Period(months=13)
ACCOUNT_AFTER_CLOSURE = Period(months=3)
# Subject requests (GDPR art. 12(3)): carried out within 30 days of receipt.
SUBJECT_REQUEST_DUE = Period(days=30)
# Links we email (opt-in confirmation, subject-request verification, exports) stay valid 7 days.
EMAILED_LINK = Period(days=7)
# Deletion receipts hold no personal data (counts, dates, ids); they are kept long enough to answer
# a supervisory authority about any deletion within the usual limitation periods.
DELETION_RECEIPTS = Period(months=60)
# An erasure's tombstone (the suppression table's `TOMBSTONE` item: the keyed hash and nothing
# else) lives this long. It refuses every write about the address from writers that read before
# the erasure and write after it: the longest of them runs for a function's timeout (the purge's
# 600 s; an API request 25 s, a send batch 300 s), so an hour leaves room for clock skew and a
# retried invocation. Replays after it (an old link, a late SES event) meet the contact's absence
# or the permanent `ERASED` suppression instead, and a new subscription by the person is welcome
# again. tests/unit/test_retention.py checks it outlives every function.
ERASURE_TOMBSTONE = timedelta(hours=1)
# Large imports and exports (audience/bulk_import.py, bulk_export.py): their files hold personal
# data and stay in the transfer bucket at most a day (an upload is deleted once imported; the
# purge deletes any file a day old; the bucket's lifecycle rule is the backstop). An import's
# report (counts, rejected lines and reasons) stays 30 days, for fixing and importing the rest; an
# export's status as long as its file.
TRANSFER_FILES = Period(days=1)
IMPORT_REPORT = Period(days=30)
EXPORT_STATUS = TRANSFER_FILES
# The purge runs this often (the EventBridge schedule): a due item is gone from storage within it.
PURGE_INTERVAL = timedelta(hours=1)

PERIODS: dict[RetentionClass, Period] = {
    RetentionClass.CONTENT: MESSAGE_CONTENT,
    RetentionClass.EVENTS: EVENT_DATA,
    RetentionClass.ACCOUNT: ACCOUNT_AFTER_CLOSURE,
}


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar months: 31 January + 1 month is the last day of February (28 or 29)."""
    month_index = moment.month - 1 + months
    year = moment.year + month_index // 12
    month = month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def expires_at(retention: RetentionClass, start: datetime) -> datetime:
    """When an item of this retention class, started at `start`, must be gone."""
    return PERIODS[retention].after(start)


def expiry_bucket(expiry: datetime, key: str) -> str:
    """The expiry-index partition of an item: its expiry month and a stable shard of its key."""
    shard = zlib.crc32(key.encode()) % EXPIRY_SHARDS
    return f"{expiry:%Y-%m}#{shard}"


def ttl_attributes(expiry: datetime, key: str) -> dict[str, int | str]:
    """The attributes an expiring item carries: the TTL itself and its expiry-index bucket."""
    return {TTL_ATTRIBUTE: epoch(expiry), EXPIRY_BUCKET_ATTRIBUTE: expiry_bucket(expiry, key)}


def is_expired(item: dict, at: datetime) -> bool:
    """An item is absent from the moment its `expires_at` is reached, whatever TTL has done."""
    value = item.get(TTL_ATTRIBUTE)
    return value is not None and int(value) <= epoch(at)
