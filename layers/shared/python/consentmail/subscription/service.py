"""Subscription rules: the same answer whatever state an address is in, at most one opt-in email
per address and list per 10 minutes, and a consent-ledger entry for every change, written with
the change itself. While an address's erasure is under way nothing is written about it: a
subscription answers as always and stores nothing, a confirm or unsubscribe link answers as a
link to a subscription that no longer exists (docs/retention.md)."""

import secrets
from datetime import datetime, timedelta

from consentmail.adapters.ses import TAG_ACCOUNT, TAG_CONTACT, TAG_KIND, TAG_LIST, send_raw
from consentmail.campaigns.stats import UnsubscribeCounter
from consentmail.core import tokens
from consentmail.core.addresses import email_hash, normalize
from consentmail.core.errors import AddressErased, FieldError, InvalidInput, NotFound
from consentmail.core.links import link, recipient_claims
from consentmail.core.records import (
    AccountStatus,
    ConsentAction,
    Contact,
    ContactStatus,
    MailingList,
    Visitor,
)
from consentmail.core.retention import EMAILED_LINK
from consentmail.core.sensitive_data import check_fields
from consentmail.core.tokens import Purpose
from consentmail.store.accounts import AccountRepository
from consentmail.store.consent import entry_for
from consentmail.store.contacts import ContactRepository, contact_id_for
from consentmail.store.lists import ListRepository
from consentmail.store.suppression import SuppressionRepository
from consentmail.subscription.models import SubscribeRequest
from consentmail.subscription.optin_email import optin_message

OPTIN_INTERVAL = timedelta(minutes=10)
NO_LONGER_VALID = "This link no longer points to a subscription."


def default_consent_text(mailing_list: MailingList) -> str:
    return f"I agree to receive emails from {mailing_list.name} and can unsubscribe at any time."


def new_optin_nonce() -> str:
    return secrets.token_urlsafe(12)


class SubscriptionService:
    def __init__(self, lists=None, contacts=None, suppression=None, unsubscribes=None, accounts=None):
        self.lists = lists or ListRepository()
        self.contacts = contacts or ContactRepository()
        self.suppression = suppression or SuppressionRepository()
        self.unsubscribes = unsubscribes or UnsubscribeCounter()
        self._accounts = accounts

    @property
    def accounts(self) -> AccountRepository:
        if self._accounts is None:
            self._accounts = AccountRepository()
        return self._accounts

    def _account_closed(self, mailing_list: MailingList, at: datetime) -> bool:
        """A closed account's lists accept nobody until the purge removes them (their items live
        on, with an expiry, for up to 3 months). A finished account has no lists left either."""
        profile = self.accounts.get_profile(mailing_list.account_id, at)
        return profile is not None and profile.status != AccountStatus.ACTIVE

    def subscribe(self, request: SubscribeRequest, visitor: Visitor, at: datetime) -> MailingList:
        """Record the subscription and send the opt-in email when due. The outcome the caller
        sees never depends on the address's state."""
        mailing_list = self.lists.get(request.list_id, at)
        # A closed account's list answers exactly as a list that does not exist.
        if mailing_list is None or self._account_closed(mailing_list, at):
            raise NotFound("There is no list with this id.")
        if not request.consent:
            raise InvalidInput(
                "Consent is required to subscribe.", [FieldError("consent", "must be true to subscribe")]
            )
        address = normalize(request.email)
        check_fields({"first_name": request.first_name, "last_name": request.last_name}, request.attributes)
        hashed = email_hash(address)
        contact_id = contact_id_for(mailing_list.list_id, hashed)
        existing = self.contacts.get(mailing_list.list_id, contact_id, at)
        if existing and existing.status in (
            ContactStatus.CONFIRMED,
            ContactStatus.BOUNCED,
            ContactStatus.COMPLAINED,
        ):
            return mailing_list
        suppressed = self.suppression.check(hashed, mailing_list.account_id, at)
        if suppressed and not suppressed.erased:
            # This account's mail to the address bounced or was marked as spam: no opt-in email.
            return mailing_list
        contact = Contact(
            contact_id=contact_id,
            list_id=mailing_list.list_id,
            account_id=mailing_list.account_id,
            email=address,
            email_hash=hashed,
            first_name=request.first_name,
            last_name=request.last_name,
            status=ContactStatus.PENDING,
            tracking_consent=request.tracking_consent,
            attributes=request.attributes,
            created_at=existing.created_at if existing else at,
            optin_sent_at=existing.optin_sent_at if existing else None,
            # A pending contact keeps the opt-in its email already carries; anyone else (new, or
            # back after unsubscribing) starts a new one, which voids every older confirm link.
            optin_nonce=existing.optin_nonce
            if existing and existing.status == ContactStatus.PENDING
            else new_optin_nonce(),
        )
        subscribed = entry_for(
            contact,
            ConsentAction.SUBSCRIBED,
            at,
            visitor=visitor,
            text=request.consent_text or default_consent_text(mailing_list),
            source="form",
        )
        try:
            self.contacts.subscribe(contact, [subscribed], was=existing.status.value if existing else None)
        except AddressErased:
            # Being erased at the person's request: nothing is stored, and the answer is the same.
            return mailing_list
        if self.contacts.claim_optin_slot(contact, at, not_before=at - OPTIN_INTERVAL):
            self.send_optin(mailing_list, contact, at)
        return mailing_list

    def send_optin(self, mailing_list: MailingList, contact: Contact, at: datetime) -> None:
        claims = recipient_claims(contact)
        if contact.optin_nonce:
            claims["n"] = contact.optin_nonce
        expires_at = EMAILED_LINK.after(at)
        token = tokens.issue(Purpose.CONFIRM, claims, expires_at)
        raw = optin_message(mailing_list, contact.email, link("/confirm", token), expires_at)
        send_raw(
            raw,
            from_email=mailing_list.from_email,
            to=contact.email,
            tags={
                TAG_KIND: "optin",
                TAG_ACCOUNT: mailing_list.account_id,
                TAG_LIST: mailing_list.list_id,
                TAG_CONTACT: contact.contact_id,
            },
        )

    def _contact_of(self, token: str, purpose: Purpose, at: datetime) -> tuple[MailingList, Contact]:
        claims = tokens.verify(token, purpose, at)
        mailing_list = self.lists.get(str(claims.get("l", "")), at)
        contact = self.contacts.get(str(claims.get("l", "")), str(claims.get("c", "")), at)
        if mailing_list is None or contact is None:
            raise tokens.InvalidToken(NO_LONGER_VALID)
        return mailing_list, contact

    def check_confirm(self, token: str, at: datetime) -> tuple[MailingList, Contact]:
        """The list and contact a valid confirm link points to, changing nothing: mail gateways
        fetch every link of an email, so only the page's POST may confirm."""
        return self._confirmable(token, at)

    def _confirmable(self, token: str, at: datetime) -> tuple[MailingList, Contact]:
        """Only the current opt-in's link confirms: after a withdrawal, an older link (fetched by
        a link scanner or a mailbox preview) is void, and only a new subscription brings the person
        back; a closed account's lists take nobody."""
        claims = tokens.verify(token, Purpose.CONFIRM, at)
        mailing_list, contact = self._contact_of(token, Purpose.CONFIRM, at)
        current = claims.get("n") == contact.optin_nonce
        if not current or contact.status not in (ContactStatus.PENDING, ContactStatus.CONFIRMED):
            raise tokens.InvalidToken("This link is no longer valid: subscribe again to get a new one.")
        if self._account_closed(mailing_list, at):
            raise tokens.InvalidToken(NO_LONGER_VALID)
        return mailing_list, contact

    def confirm(self, token: str, visitor: Visitor, at: datetime) -> MailingList:
        """Confirm the subscription (see `_confirmable`); confirming twice changes nothing the
        second time."""
        mailing_list, contact = self._confirmable(token, at)
        if contact.status == ContactStatus.PENDING:
            contact.status = ContactStatus.CONFIRMED
            contact.confirmed_at = at
            confirmed = entry_for(
                contact, ConsentAction.CONFIRMED, at, visitor=visitor, source="double_opt_in"
            )
            try:
                # A person whose address was erased at their request came back and confirmed a
                # new subscription themselves: the erasure's opt-out is spent, in the same write.
                self.contacts.replace(
                    contact, [confirmed], was=ContactStatus.PENDING.value, lift_erasure=True
                )
            except NotFound as gone:  # deleted or erased since the link was opened
                raise tokens.InvalidToken(NO_LONGER_VALID) from gone
        return mailing_list

    def check_unsubscribe(self, token: str, at: datetime) -> MailingList:
        mailing_list, _ = self._contact_of(token, Purpose.UNSUBSCRIBE, at)
        return mailing_list

    def unsubscribe(self, token: str, visitor: Visitor, at: datetime, source: str) -> MailingList:
        """Unsubscribe from the list; idempotent, and the withdrawal is recorded once. The
        unsubscribe is credited to the campaign the contact was last sent (once per campaign;
        counting never fails the unsubscribe)."""
        mailing_list, contact = self._contact_of(token, Purpose.UNSUBSCRIBE, at)
        if contact.status in (ContactStatus.PENDING, ContactStatus.CONFIRMED):
            was = contact.status.value
            contact.status = ContactStatus.UNSUBSCRIBED
            withdrawn = entry_for(contact, ConsentAction.UNSUBSCRIBED, at, visitor=visitor, source=source)
            try:
                self.contacts.replace(contact, [withdrawn], was=was)
            except NotFound as gone:  # deleted or erased since the link was opened
                raise tokens.InvalidToken(NO_LONGER_VALID) from gone
        self.unsubscribes.count(contact.contact_id, at)
        return mailing_list
