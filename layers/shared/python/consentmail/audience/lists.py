"""Mailing lists of an account holder. Every operation is scoped by the account: another
account's list is as absent as a list that does not exist."""

import uuid
from datetime import datetime

from consentmail.audience.models import ListIn, ListPatch
from consentmail.core.addresses import normalize
from consentmail.core.errors import NotFound
from consentmail.core.records import MailingList
from consentmail.store.accounts import AccountData
from consentmail.store.contacts import ContactRepository
from consentmail.store.lists import ListRepository

LIST_NOT_FOUND = "There is no list with this id."


class ListService:
    def __init__(self, lists=None, contacts=None, data=None):
        self.lists = lists or ListRepository()
        self.contacts = contacts or ContactRepository()
        self.data = data or AccountData()

    def create(self, account_id: str, request: ListIn, at: datetime) -> MailingList:
        mailing_list = MailingList(
            list_id=uuid.uuid4().hex,
            account_id=account_id,
            name=request.name,
            from_email=normalize(request.from_email, "from_email"),
            from_name=request.from_name,
            confirm_redirect_url=request.confirm_redirect_url,
            thank_you_url=request.thank_you_url,
            language=request.language,
            created_at=at,
        )
        self.lists.create(mailing_list)
        return mailing_list

    def get(self, account_id: str, list_id: str, at: datetime) -> MailingList:
        found = self.lists.get_for_account(account_id, list_id, at)
        if found is None:
            raise NotFound(LIST_NOT_FOUND)
        return found

    def counts(self, lists: list[MailingList]) -> dict[str, dict[str, int]]:
        """Each list's contacts by status, kept as they change (no scan): one read for all."""
        return self.lists.counts([m.list_id for m in lists])

    def of_account(self, account_id: str, at: datetime) -> list[MailingList]:
        return sorted(self.lists.of_account(account_id, at), key=lambda m: m.created_at)

    def update(self, account_id: str, list_id: str, patch: ListPatch, at: datetime) -> MailingList:
        mailing_list = self.get(account_id, list_id, at)
        changes = patch.model_dump(exclude_unset=True)
        for required in ("name", "from_email", "from_name", "language"):
            if required in changes and changes[required] is None:
                changes.pop(required)
        if "from_email" in changes:
            changes["from_email"] = normalize(changes["from_email"], "from_email")
        updated = mailing_list.model_copy(update=changes)
        self.lists.save(updated)
        return updated

    def delete(self, account_id: str, list_id: str, at: datetime) -> None:
        """The list goes with its contacts, and their consent records and events."""
        mailing_list = self.get(account_id, list_id, at)
        for key in list(self.data.contact_keys(mailing_list.list_id)):
            self.data.delete_contact_traces(key.get("email_hash", ""), key["contact_id"])
            self.contacts.delete(mailing_list.list_id, key["contact_id"])
        self.lists.delete(mailing_list.list_id)
