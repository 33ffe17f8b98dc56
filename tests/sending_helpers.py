"""Helpers of the campaign and sending tests: contacts in a list, and raw MIME taken apart."""

import email
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import default

from consentmail.adapters import aws_clients
from consentmail.core.addresses import email_hash, normalize
from consentmail.core.records import Contact, ContactStatus, MailingList
from consentmail.core.tables import Table
from consentmail.store.contacts import contact_id_for, contact_item

CREATED = datetime(2026, 11, 2, tzinfo=UTC)


def add_contact(
    mailing_list: MailingList,
    address: str,
    status: ContactStatus = ContactStatus.CONFIRMED,
    tracking: bool = False,
) -> Contact:
    """A contact on the list, written as the table stores it (setup: how contacts are created,
    with their ledger entries, is tested with the routes that create them)."""
    address = normalize(address)
    hashed = email_hash(address)
    contact = Contact(
        contact_id=contact_id_for(mailing_list.list_id, hashed),
        list_id=mailing_list.list_id,
        account_id=mailing_list.account_id,
        email=address,
        email_hash=hashed,
        first_name="Ada",
        status=status,
        tracking_consent=tracking,
        created_at=CREATED,
    )
    aws_clients.table(Table.CONTACTS).put_item(Item=contact_item(contact))
    return contact


def parse(raw: bytes | str) -> EmailMessage:
    data = raw.encode() if isinstance(raw, str) else raw
    return email.message_from_bytes(data, policy=default)  # type: ignore[return-value]


def parts(raw: bytes | str) -> tuple[EmailMessage, str, str]:
    """The message, its text part and its HTML part (decoded)."""
    message = parse(raw)
    text = message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(preferencelist=("html",)).get_content().replace("\r\n", "\n")
    return message, text, html
