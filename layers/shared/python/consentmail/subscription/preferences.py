"""The recipient's preference page, reached from every campaign email with a PREFERENCES token
(claims: list and contact): tracking consent on or off, first and last name, unsubscribe.

Withdrawing tracking is as easy as granting it (one POST with `tracking_consent=false`) and takes
effect at once: the sender reads `tracking_consent` for every email it builds, and the tracking
function reads it for every hit. Every change is a new entry in the append-only consent ledger,
written with the change; a POST that changes nothing adds nothing, and one about a contact
deleted or erased since the page was read answers as an unknown link, storing nothing."""

from dataclasses import dataclass
from datetime import datetime

from consentmail.campaigns.stats import UnsubscribeCounter
from consentmail.core import header_text, tokens
from consentmail.core.errors import FieldError, InvalidInput, NotFound
from consentmail.core.i18n import LANGUAGES, texts
from consentmail.core.records import ConsentAction, Contact, ContactStatus, MailingList, Visitor
from consentmail.core.sensitive_data import check_fields
from consentmail.core.tokens import Purpose
from consentmail.store.consent import entry_for
from consentmail.store.contacts import ContactRepository
from consentmail.store.lists import ListRepository

NAME_MAX = 100
TRUE_VALUES = ("true", "on", "yes", "1")
FALSE_VALUES = ("false", "off", "no", "0", "")


def tracking_text(mailing_list: MailingList, language: str | None = None) -> str:
    """The sentence shown next to the tracking checkbox, recorded with every change in the
    language the person read it in (the list's, unless they switched the page)."""
    return texts(language if language in LANGUAGES else mailing_list.language).gettext(
        "I allow {list_name} to see whether I open its emails and which links I follow. "
        "I can withdraw this at any time on this page.",
        list_name=mailing_list.name,
    )


@dataclass(frozen=True)
class PreferenceChanges:
    """What a POST asks for; None means "leave as it is"."""

    tracking_consent: bool | None = None
    first_name: str | None = None
    last_name: str | None = None
    unsubscribe: bool = False

    @classmethod
    def from_form(cls, fields: dict[str, str | bool]) -> "PreferenceChanges":
        def flag(name: str) -> bool | None:
            value = fields.get(name)
            if value is None or isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in TRUE_VALUES:
                return True
            if text in FALSE_VALUES:
                return False
            raise InvalidInput(f"{name} must be true or false.", [FieldError(name, "must be true or false")])

        def name(field: str) -> str | None:
            value = fields.get(field)
            if value is None:
                return None
            text = header_text.check(str(value).strip(), field)
            if len(text) > NAME_MAX:
                raise InvalidInput(
                    f"{field} is too long.", [FieldError(field, f"at most {NAME_MAX} characters")]
                )
            return text

        return cls(
            tracking_consent=flag("tracking_consent"),
            first_name=name("first_name"),
            last_name=name("last_name"),
            unsubscribe=bool(flag("unsubscribe")),
        )


class PreferencesService:
    def __init__(self, lists=None, contacts=None, unsubscribes=None):
        self.lists = lists or ListRepository()
        self.contacts = contacts or ContactRepository()
        self.unsubscribes = unsubscribes or UnsubscribeCounter()

    def open(self, token: str, at: datetime) -> tuple[MailingList, Contact]:
        """The list and contact of a preference link; InvalidToken when either is gone."""
        claims = tokens.verify(token, Purpose.PREFERENCES, at)
        list_id, contact_id = str(claims.get("l", "")), str(claims.get("c", ""))
        mailing_list = self.lists.get(list_id, at)
        contact = self.contacts.get(list_id, contact_id, at)
        if mailing_list is None or contact is None:
            raise tokens.InvalidToken("This link no longer points to a subscription.")
        return mailing_list, contact

    def change(
        self,
        token: str,
        changes: PreferenceChanges,
        visitor: Visitor,
        at: datetime,
        language: str | None = None,
    ) -> tuple[MailingList, Contact]:
        """Apply the changes; `language` is the page's, in which tracking consent was read."""
        mailing_list, contact = self.open(token, at)
        was = contact.status.value
        entries: list[tuple[ConsentAction, str]] = []
        if changes.first_name is not None or changes.last_name is not None:
            check_fields(
                {
                    key: value
                    for key, value in (("first_name", changes.first_name), ("last_name", changes.last_name))
                    if value is not None
                },
                {},
            )
        if changes.tracking_consent is not None and changes.tracking_consent != contact.tracking_consent:
            contact.tracking_consent = changes.tracking_consent
            action = (
                ConsentAction.TRACKING_GRANTED
                if changes.tracking_consent
                else ConsentAction.TRACKING_WITHDRAWN
            )
            entries.append((action, tracking_text(mailing_list, language)))
        renamed = [
            field
            for field in ("first_name", "last_name")
            if getattr(changes, field) is not None and getattr(changes, field) != getattr(contact, field)
        ]
        for field in renamed:
            setattr(contact, field, getattr(changes, field))
        if renamed:
            entries.append((ConsentAction.RECTIFIED, "changed: " + ", ".join(renamed)))
        unsubscribed = changes.unsubscribe and contact.status in (
            ContactStatus.PENDING,
            ContactStatus.CONFIRMED,
        )
        if unsubscribed:
            contact.status = ContactStatus.UNSUBSCRIBED
            entries.append((ConsentAction.UNSUBSCRIBED, ""))
        if not entries:
            return mailing_list, contact
        ledger = [
            entry_for(contact, action, at, visitor=visitor, text=text, source="preferences")
            for action, text in entries
        ]
        try:
            self.contacts.replace(contact, ledger, was=was)
        except NotFound as gone:
            raise tokens.InvalidToken("This link no longer points to a subscription.") from gone
        if unsubscribed:
            self.unsubscribes.count(contact.contact_id, at)
        return mailing_list, contact
