"""A contact's status, apart from the records: the stores that only count or filter by status (the
list counts on the tracking and SES-event paths) need it without importing pydantic."""

from enum import StrEnum


class ContactStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"
