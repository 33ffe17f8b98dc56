"""Subject requests, carried out across every account:

- receiving one answers the same whatever the address (known, unknown, rate-limited), does the
  same work for known and unknown addresses (nothing is looked up before verification), and
  emails a verification link, at most DAILY_LIMIT times per address per day;
- verifying carries it out: access emails a link to the export, rectification changes every
  contact holding the address, erasure deletes every item holding it and keeps only the keyed
  hash as an ERASED suppression (and, for an hour, as the tombstone that wins it every race with
  a concurrent writer); each account holder whose lists held the address is notified, without
  the address;
- once done the request keeps only the keyed hash, its type, dates and status.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from aws_lambda_powertools import Logger

from consentmail.adapters.ses import TAG_KIND, remove_from_suppression_list, send_raw
from consentmail.core import tokens
from consentmail.core.addresses import email_hash, mask, normalize
from consentmail.core.clock import iso
from consentmail.core.errors import AddressErased, EmailNotSent, InvalidToken
from consentmail.core.i18n import SOURCE_LANGUAGE, texts
from consentmail.core.links import link
from consentmail.core.receipts import ReceiptCollector, ReceiptKind
from consentmail.core.records import ConsentAction, RequestStatus, RequestType, SubjectRequest
from consentmail.core.retention import EMAILED_LINK
from consentmail.core.sensitive_data import check_fields
from consentmail.core.settings import get_settings
from consentmail.core.tokens import Purpose
from consentmail.receipts.service import ReceiptService
from consentmail.store.accounts import AccountRepository
from consentmail.store.consent import ConsentRepository
from consentmail.store.lists import ListRepository
from consentmail.store.requests import RequestRepository
from consentmail.store.subject_data import SubjectDataRepository
from consentmail.store.suppression import SuppressionRepository
from consentmail.subject_requests.emails import export_message, verification_message
from consentmail.subject_requests.models import SubjectRequestInput

logger = Logger()

EXPORT_FORMAT = "consentmail.subject-export/1"
NOTIFICATION_KIND = "subject_request"

_NOTICE = {
    RequestType.ACCESS: "A person asked for a copy of the data held about them; it included their "
    "contact in your lists: {lists}. Nothing was changed.",
    RequestType.RECTIFICATION: "A person had the data held about them corrected, as they asked; their "
    "contact was updated in your lists: {lists}.",
    RequestType.ERASURE: "A person exercised their right to erasure: their contact, consent records "
    "and events were deleted from your lists: {lists}. The address can no longer be added or imported.",
}


@dataclass(frozen=True)
class Outcome:
    """What the subject sees after carrying out: the type, and whether it was done just now."""

    request_type: RequestType
    done_now: bool


def _in_language(url: str, language: str) -> str:
    """The emailed link opens its page in the language the request was made in."""
    return f"{url}&{urlencode({'lang': texts(language).language})}"


class SubjectRequestService:
    def __init__(
        self,
        requests=None,
        data=None,
        lists=None,
        consent=None,
        suppression=None,
        accounts=None,
        receipts=None,
    ):
        self.requests = requests or RequestRepository()
        self.data = data or SubjectDataRepository()
        self.lists = lists or ListRepository()
        self.consent = consent or ConsentRepository()
        self.suppression = suppression or SuppressionRepository()
        self.accounts = accounts or AccountRepository()
        self.receipts: ReceiptService = receipts or ReceiptService()

    # --- receiving ---------------------------------------------------------------------------

    def receive(self, request: SubjectRequestInput, at: datetime, language: str = SOURCE_LANGUAGE) -> None:
        """Record the request and email its verification link in `language`; the caller always
        answers the same, so nothing here may depend on whether the address is known."""
        address = normalize(request.email)
        changes: dict = {}
        if request.type == RequestType.RECTIFICATION and request.changes:
            changes = request.changes.model_dump(exclude_none=True)
            names = {k: v for k, v in changes.items() if k != "attributes"}
            check_fields(names, changes.get("attributes") or {})
        hashed = email_hash(address)
        if not self.requests.take_daily_slot(hashed, at):
            logger.info("subject request over the daily limit", extra={"email": mask(address)})
            return
        record = self.requests.create(
            email_hash=hashed, email=address, request_type=request.type, changes=changes, at=at
        )
        expires_at = EMAILED_LINK.after(at)
        token = tokens.issue(Purpose.SUBJECT_CONFIRM, {"h": hashed, "r": record.request_id}, expires_at)
        raw = verification_message(
            t=texts(language),
            from_email=get_settings().system_from,
            to=address,
            request_type=request.type,
            confirm_url=_in_language(link("/subject-requests/confirm", token), language),
            expires_at=expires_at,
        )
        self._send(raw, address, record)
        logger.info(
            "subject request received",
            extra={"request_id": record.request_id, "type": request.type.value, "due_at": iso(record.due_at)},
        )

    def _send(self, raw: bytes, address: str, record: SubjectRequest) -> None:
        try:
            send_raw(
                raw, from_email=get_settings().system_from, to=address, tags={TAG_KIND: "subject_request"}
            )
        except EmailNotSent as error:
            # The answer must not reveal anything about the address, so a refused send is only
            # logged (masked, with the error code: SES messages may quote the address); the
            # unverified request lapses with its link and the person can ask again.
            logger.warning(
                "subject request email refused",
                extra={
                    "request_id": record.request_id,
                    "email": mask(address),
                    "code": error.code,
                },
            )

    # --- verifying ---------------------------------------------------------------------------

    def pending(self, token: str, at: datetime) -> SubjectRequest:
        """The request a confirm link points to, or InvalidToken."""
        claims = tokens.verify(token, Purpose.SUBJECT_CONFIRM, at)
        found = self.requests.get(str(claims.get("h", "")), str(claims.get("r", "")), at)
        if found is None:
            raise InvalidToken("This request no longer exists.")
        return found

    def carry_out(self, token: str, at: datetime, language: str = SOURCE_LANGUAGE) -> Outcome:
        """Carry the verified request out, once: a second POST of the same link changes nothing.
        The export's email, for an access, is in `language`."""
        request = self.pending(token, at)
        if request.status == RequestStatus.AWAITING_VERIFICATION and not self.requests.start(request, at):
            request = self.pending(token, at)
        if not request.is_open:
            return Outcome(request.type, done_now=False)
        # In progress: verified just now, or an earlier attempt failed half-way; every step below
        # is idempotent, so it is simply done again.
        if request.type == RequestType.ACCESS:
            self._access(request, at, language)
        elif request.type == RequestType.RECTIFICATION:
            self._rectify(request, at)
        else:
            self._erase(request, at)
        self.requests.finish(request, RequestStatus.COMPLETED, at)
        logger.info(
            "subject request carried out",
            extra={
                "request_id": request.request_id,
                "type": request.type.value,
                "due_at": iso(request.due_at),
            },
        )
        return Outcome(request.type, done_now=True)

    # --- access ------------------------------------------------------------------------------

    def _access(self, request: SubjectRequest, at: datetime, language: str) -> None:
        contacts = self.data.contacts(request.email_hash, at)
        held = [(c.account_id, c.list_id) for c in contacts]
        if request.email:
            expires_at = EMAILED_LINK.after(at)
            token = tokens.issue(
                Purpose.SUBJECT_EXPORT, {"h": request.email_hash, "r": request.request_id}, expires_at
            )
            raw = export_message(
                t=texts(language),
                from_email=get_settings().system_from,
                to=request.email,
                export_url=_in_language(link("/subject-requests/export", token), language),
                expires_at=expires_at,
            )
            # Not swallowed: if SES refuses, the request stays in progress (reported near its due
            # date) and following the link again retries.
            sender = get_settings().system_from
            send_raw(raw, from_email=sender, to=request.email, tags={TAG_KIND: "subject_request"})
        self._notify(request, held, at)

    def export(self, token: str, at: datetime) -> dict:
        """The export an access link points to: built when it is fetched, from what is held then."""
        claims = tokens.verify(token, Purpose.SUBJECT_EXPORT, at)
        return self.export_of(str(claims.get("h", "")), at)

    def export_of(self, hashed: str, at: datetime) -> dict:
        """Everything held about the address, structured (GDPR art. 15 and 20)."""
        held = self.data.held(hashed, at)
        names: dict[str, str] = {}
        exported_contacts = []
        for contact in held.contacts:
            if contact.list_id not in names:
                found = self.lists.get(contact.list_id, at)
                names[contact.list_id] = found.name if found else ""
            exported_contacts.append(
                {**contact.fields, "list_name": names[contact.list_id], "events": contact.events}
            )
        consent = held.consent_records
        suppressions = held.suppressions
        requests = [
            {
                "request_id": r.request_id,
                "type": r.type.value,
                "status": r.status.value,
                "received_at": iso(r.received_at),
                "due_at": iso(r.due_at),
                "completed_at": iso(r.completed_at) if r.completed_at else None,
            }
            for r in self.requests.of_subject(hashed)
        ]
        accounts = sorted({c.account_id for c in held.contacts} | {c["account_id"] for c in consent})
        return {
            "format": EXPORT_FORMAT,
            "generated_at": iso(at),
            "email": held.contacts[0].email if held.contacts else None,
            "accounts": accounts,
            "contacts": exported_contacts,
            "consent_records": consent,
            "suppressions": suppressions,
            "subject_requests": requests,
        }

    # --- rectification -----------------------------------------------------------------------

    def _rectify(self, request: SubjectRequest, at: datetime) -> None:
        changes = request.changes or {}
        names = {k: changes[k] for k in ("first_name", "last_name") if k in changes}
        new_attributes = changes.get("attributes") or {}
        changed = sorted(names) + [f"attributes.{k}" for k in sorted(new_attributes)]
        changed_in: list[tuple[str, str]] = []
        for contact in self.data.contacts(request.email_hash, at):
            attributes = {**contact.attributes, **new_attributes}
            attributes = {k: v for k, v in attributes.items() if v is not None}
            if not self.data.update_contact(contact, names, attributes):
                continue  # deleted or erased meanwhile: nothing left to correct
            try:
                self.consent.append(
                    email_hash=request.email_hash,
                    account_id=contact.account_id,
                    list_id=contact.list_id,
                    contact_id=contact.contact_id,
                    action=ConsentAction.RECTIFIED,
                    at=at,
                    text="Changed at the person's request: " + ", ".join(changed),
                    source="subject_request",
                )
            except AddressErased:
                continue  # the person's own erasure is under way: it deletes the contact too
            changed_in.append((contact.account_id, contact.list_id))
        self._notify(request, changed_in, at)

    # --- erasure -----------------------------------------------------------------------------

    def _erase(self, request: SubjectRequest, at: datetime) -> None:
        hashed = request.email_hash
        # The tombstone first: from here on no writer can store anything about the address (each
        # write is refused by it, or checks it right after), so what is found below is all there
        # is; the ERASED suppression then keeps the address out for good (docs/retention.md).
        self.suppression.begin_erasure(hashed, at)
        # Expired contacts too: until deleted they still hold the address.
        contacts = self.data.contacts_to_erase(hashed)
        # Receipts hook: per account its contacts and their events; the run-wide receipt counts all.
        receipts = ReceiptCollector(run_at=at, id_prefix=f"{request.request_id}:")
        deleted = 0
        held: list[tuple[str, str]] = []
        for contact in contacts:
            erased = self.data.erase_contact(contact)
            if erased:
                receipts.record(ReceiptKind.ERASURE, contact.account_id, request.due_at, erased)
                held.append((contact.account_id, contact.list_id))
            deleted += erased
        others = self.data.erase_consent(hashed) + self.data.erase_account_suppressions(hashed)
        receipts.record(ReceiptKind.ERASURE, None, request.due_at, others)
        deleted += others
        for other in self.requests.of_subject(hashed):
            if other.request_id != request.request_id and other.email:
                self.requests.finish(other, RequestStatus.CANCELLED, at)
        if request.email:
            # SES's account-level suppression list holds raw addresses; our ERASED hash now keeps
            # the opt-out, so the raw address goes.
            remove_from_suppression_list(request.email)
        self._notify(request, held, at)
        self.receipts.issue(receipts)
        logger.info("erasure carried out", extra={"request_id": request.request_id, "items_deleted": deleted})

    # --- shared ------------------------------------------------------------------------------

    def _notify(self, request: SubjectRequest, held: list[tuple[str, str]], at: datetime) -> None:
        """One notification per account whose lists held the address (`held`: account and list
        ids): type, lists, date; never the address, its hash or a contact id."""
        lists_by_account: dict[str, dict[str, str]] = defaultdict(dict)
        for account_id, list_id in held:
            found = self.lists.get(list_id, at)
            lists_by_account[account_id][list_id] = found.name if found else ""
        for account_id, lists in lists_by_account.items():
            shown = ", ".join(name or list_id for list_id, name in sorted(lists.items()))
            self.accounts.add_notification(
                account_id,
                NOTIFICATION_KIND,
                {
                    "request_type": request.type.value,
                    "request_id": request.request_id,
                    "lists": [{"list_id": list_id, "name": name} for list_id, name in sorted(lists.items())],
                    "date": iso(at),
                    "message": _NOTICE[request.type].format(lists=shown),
                },
                at,
            )
