"""Contacts an account holder adds, edits, pages through, exports and deletes. Every operation
goes through the account's list first, so another account's contact is never reached.

A contact the account holder adds carries the consent proof they give: it is `confirmed` at once
and the proof goes to the consent ledger; with `double_opt_in` it stays `pending` and receives
the opt-in email, exactly as a website subscription does.
"""

from collections.abc import Collection, Iterator
from datetime import datetime

from consentmail.audience.lists import ListService
from consentmail.audience.models import ContactIn, ContactPatch
from consentmail.core import header_text
from consentmail.core.addresses import email_hash, normalize
from consentmail.core.clock import iso
from consentmail.core.errors import AddressErased, FieldError, InvalidInput, NotFound
from consentmail.core.records import (
    ConsentAction,
    ConsentProof,
    ConsentRecord,
    Contact,
    ContactStatus,
    MailingList,
    Visitor,
)
from consentmail.core.sensitive_data import check_fields
from consentmail.store import cursors
from consentmail.store.accounts import AccountData, BulkContacts, Created
from consentmail.store.consent import entry_for, new_entry, record_id_for
from consentmail.store.contacts import ContactRepository, contact_id_for
from consentmail.store.suppression import Reason, Suppression, SuppressionRepository
from consentmail.subscription.service import SubscriptionService, new_optin_nonce

CONTACT_NOT_FOUND = "There is no contact with this id."
ERASED_REFUSAL = "the address was erased at the subject's request and cannot be added again by an account"
PAGE_SIZE = 100
_CURSOR_KEYS = ("list_id", "contact_id")


def erased_refusal() -> InvalidInput:
    return InvalidInput("This address cannot be added.", [FieldError("email", ERASED_REFUSAL)])


# An address the account's own sends bounced on or got a complaint from keeps that status.
_SUPPRESSED_STATUS = {Reason.BOUNCE: ContactStatus.BOUNCED, Reason.COMPLAINT: ContactStatus.COMPLAINED}


class ContactService:
    def __init__(
        self,
        lists=None,
        contacts=None,
        suppression=None,
        data=None,
        subscription=None,
        bulk=None,
    ):
        self.contacts = contacts or ContactRepository()
        self.suppression = suppression or SuppressionRepository()
        self.data = data or AccountData()
        self.bulk = bulk or BulkContacts()
        self.list_service = lists or ListService(contacts=self.contacts, data=self.data)
        self._subscription = subscription

    @property
    def subscription(self) -> SubscriptionService:
        if self._subscription is None:
            self._subscription = SubscriptionService(self.list_service.lists, self.contacts)
        return self._subscription

    # --- one contact ---------------------------------------------------------------------------

    def new_contact(
        self,
        mailing_list: MailingList,
        *,
        address: str,
        first_name: str,
        last_name: str,
        attributes: dict,
        tracking_consent: bool,
        proof: ConsentProof,
        double_opt_in: bool,
        suppression: Suppression | None,
        at: datetime,
    ) -> Contact:
        """The contact as it will be stored (not stored yet)."""
        if suppression is not None and suppression.erased:
            raise erased_refusal()
        hashed = email_hash(address)
        status = ContactStatus.PENDING if double_opt_in else ContactStatus.CONFIRMED
        if suppression is not None:
            status = _SUPPRESSED_STATUS.get(suppression.reason, status)
        return Contact(
            contact_id=contact_id_for(mailing_list.list_id, hashed),
            list_id=mailing_list.list_id,
            account_id=mailing_list.account_id,
            email=address,
            email_hash=hashed,
            first_name=first_name,
            last_name=last_name,
            status=status,
            tracking_consent=tracking_consent,
            attributes=attributes,
            consent=proof,
            created_at=at,
            confirmed_at=at if status == ContactStatus.CONFIRMED else None,
            optin_nonce=new_optin_nonce() if status == ContactStatus.PENDING else None,
        )

    def ledger_entries(
        self, contact: Contact, first: ConsentAction, visitor: Visitor, at: datetime
    ) -> list[ConsentRecord]:
        """What a new contact's consent proof writes to the ledger: `first` (added, imported), and
        TRACKING_GRANTED when the proof covers tracking."""
        proof = contact.consent
        actions = (first, ConsentAction.TRACKING_GRANTED) if contact.tracking_consent else (first,)
        return [
            new_entry(
                email_hash=contact.email_hash,
                account_id=contact.account_id,
                list_id=contact.list_id,
                contact_id=contact.contact_id,
                action=action,
                at=at,
                ip=visitor.ip,
                user_agent=visitor.user_agent,
                text=proof.text if proof else "",
                source=f"{proof.source} (obtained {iso(proof.obtained_at)})" if proof else "account",
            )
            for action in actions
        ]

    def store_imported(
        self, contacts: list[Contact], visitor: Visitor, at: datetime, written: Collection[str] = ()
    ) -> Created:
        """New contacts of an import with their ledger entries, written in batches: each contact
        created only if absent (those in `written`, created by a large import's earlier attempt,
        only get their entries again), and each entry's id derived from the contact's import row
        (or id) and the action, so entries written again are the same entries. Answers the ids that
        already existed, those taken back because their address is being erased, and what the
        others add to the list's counts (not added yet: `Created`)."""
        records = [
            record.model_copy(
                update={
                    "record_id": record_id_for(
                        at, contact.import_row or contact.contact_id, record.action.value
                    )
                }
            )
            for contact in contacts
            for record in self.ledger_entries(contact, ConsentAction.IMPORTED, visitor, at)
        ]
        return self.bulk.create(contacts, records, at, written)

    def add(
        self, account_id: str, list_id: str, request: ContactIn, visitor: Visitor, at: datetime
    ) -> Contact:
        mailing_list = self.list_service.get(account_id, list_id, at)
        address = normalize(request.email)
        check_fields({"first_name": request.first_name, "last_name": request.last_name}, request.attributes)
        hashed = email_hash(address)
        contact = self.new_contact(
            mailing_list,
            address=address,
            first_name=request.first_name,
            last_name=request.last_name,
            attributes=request.attributes,
            tracking_consent=request.tracking_consent,
            proof=ConsentProof.model_validate(request.consent.model_dump()),
            double_opt_in=request.double_opt_in,
            suppression=self.suppression.check(hashed, account_id, at),
            at=at,
        )
        try:
            self.contacts.create(
                contact, self.ledger_entries(contact, ConsentAction.ADDED_BY_ACCOUNT, visitor, at)
            )
        except AddressErased as erased:
            # Its erasure is under way (the suppression read above came just before it).
            raise erased_refusal() from erased
        if contact.status == ContactStatus.PENDING:
            self.send_optin(mailing_list, contact, at)
        return contact

    def send_optin(self, mailing_list: MailingList, contact: Contact, at: datetime) -> None:
        if self.contacts.claim_optin_slot(contact, at, not_before=at):
            self.subscription.send_optin(mailing_list, contact, at)

    def get(self, account_id: str, list_id: str, contact_id: str, at: datetime) -> Contact:
        mailing_list = self.list_service.get(account_id, list_id, at)
        contact = self.contacts.get(mailing_list.list_id, contact_id, at)
        if contact is None or contact.account_id != account_id:
            raise NotFound(CONTACT_NOT_FOUND)
        return contact

    def update(
        self,
        account_id: str,
        list_id: str,
        contact_id: str,
        patch: ContactPatch,
        visitor: Visitor,
        at: datetime,
    ) -> Contact:
        contact = self.get(account_id, list_id, contact_id, at)
        changes = patch.model_dump(exclude_unset=True)
        status = changes.pop("status", None)
        if status is not None and status not in (contact.status, ContactStatus.UNSUBSCRIBED):
            raise InvalidInput(
                "A contact's status can only be changed to unsubscribed.",
                [FieldError("status", "only `unsubscribed` can be set; consent is given by the contact")],
            )
        changes = {k: v for k, v in changes.items() if v is not None}
        check_fields(
            {k: changes[k] for k in ("first_name", "last_name") if k in changes},
            changes.get("attributes", {}),
        )
        updated = contact.model_copy(update=changes)
        entries: list[ConsentAction] = []
        if {"first_name", "last_name", "attributes"} & changes.keys():
            entries.append(ConsentAction.RECTIFIED)
        if "tracking_consent" in changes and changes["tracking_consent"] != contact.tracking_consent:
            entries.append(
                ConsentAction.TRACKING_GRANTED
                if changes["tracking_consent"]
                else ConsentAction.TRACKING_WITHDRAWN
            )
        if status == ContactStatus.UNSUBSCRIBED and contact.status != ContactStatus.UNSUBSCRIBED:
            updated.status = ContactStatus.UNSUBSCRIBED
            entries.append(ConsentAction.UNSUBSCRIBED)
        try:
            # Only while the contact exists, with the change's ledger entries: a contact deleted or
            # erased since it was read is not brought back.
            self.contacts.replace(
                updated,
                [entry_for(updated, action, at, visitor=visitor, source="account") for action in entries],
                was=contact.status.value,
            )
        except NotFound as gone:
            raise NotFound(CONTACT_NOT_FOUND) from gone
        return updated

    def delete(self, account_id: str, list_id: str, contact_id: str, at: datetime) -> None:
        """The contact goes with its consent records and its events."""
        contact = self.get(account_id, list_id, contact_id, at)
        self.data.delete_contact_traces(contact.email_hash, contact.contact_id)
        self.contacts.delete(contact.list_id, contact.contact_id)

    # --- many contacts -------------------------------------------------------------------------

    def page(
        self,
        account_id: str,
        list_id: str,
        cursor: str | None,
        at: datetime,
        limit: int = PAGE_SIZE,
        *,
        status: ContactStatus | None = None,
        q: str | None = None,
    ) -> tuple[list[Contact], str | None]:
        """A page of the list's contacts; with `status`, only those; with `q`, the contact of
        that exact address, or those whose address, first name, last name or full name starts
        with it (case aside). A search page may hold fewer than `limit` contacts, even none,
        and still a cursor: the search read its share of the list and goes on from there."""
        mailing_list = self.list_service.get(account_id, list_id, at)
        start = cursors.decode(cursor, {"list_id": mailing_list.list_id}, _CURSOR_KEYS)
        query = (q or "").strip()
        if q is not None and header_text.problem(q):
            raise InvalidInput("The search text is not valid.", [FieldError("q", header_text.problem(q))])
        if q is not None and not query:
            raise InvalidInput(
                "The search text is empty.",
                [FieldError("q", "Give an address, or the start of one or of a name.")],
            )
        if not status and not query:
            contacts, last_key = self.contacts.page(mailing_list.list_id, at, start, limit)
            return contacts, cursors.encode(last_key)
        if query and start is None:
            exact = self._by_address(mailing_list.list_id, query, at)
            if exact is not None and (status is None or exact.status == status):
                return [exact], None
        folded = query.casefold()

        def matches(contact: Contact) -> bool:
            names = (contact.email, contact.first_name or "", contact.last_name or "")
            full = f"{contact.first_name or ''} {contact.last_name or ''}".strip()
            return any(value.casefold().startswith(folded) for value in (*names, full))

        contacts, last_key = self.contacts.search_page(
            mailing_list.list_id,
            at,
            status=status.value if status else None,
            matches=matches,
            start=start,
            limit=limit,
        )
        return contacts, cursors.encode(last_key)

    def _by_address(self, list_id: str, query: str, at: datetime) -> Contact | None:
        """The contact of this exact address (one read by its key), if `query` is an address."""
        if "@" not in query:
            return None
        try:
            address = normalize(query, "q")
        except InvalidInput:
            return None
        return self.contacts.get(list_id, contact_id_for(list_id, email_hash(address)), at)

    def export(self, account_id: str, list_id: str, at: datetime) -> tuple[MailingList, Iterator[Contact]]:
        """Every contact of the list, however many: the store pages underneath."""
        mailing_list = self.list_service.get(account_id, list_id, at)
        return mailing_list, self.contacts.all_of_list(mailing_list.list_id, at)
