"""The recipient's rights pages (served by the subject-requests function): the rights page with its
form (access, rectification, erasure; what happens next and within how long), the form's answer,
and the access export as a readable page with a button to download its JSON.

The form is read here, not by Powertools' JSON validation: a refusal re-shows the form with each
problem next to its field (linked by `aria-describedby`) in the page's language."""

from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import Response

from consentmail.core import header_text
from consentmail.core.addresses import normalize
from consentmail.core.errors import InvalidInput
from consentmail.core.i18n import Texts
from consentmail.core.records import RequestType
from consentmail.subject_requests.models import Changes, SubjectRequestInput
from consentmail.web import pages

NAME_MAX = 100


@dataclass
class RightsForm:
    """The form's values as posted, and what is wrong with them (field -> message)."""

    email: str = ""
    type: str = ""
    first_name: str = ""
    last_name: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> "RightsForm":
        def text(name: str) -> str:
            return str(fields.get(name) or "").strip()

        return cls(text("email"), text("type"), text("first_name"), text("last_name"))

    def validated(self, t: Texts) -> SubjectRequestInput | None:
        """The request, or None with `errors` filled in."""
        try:
            normalize(self.email)
        except InvalidInput:
            self.errors["email"] = t.gettext("Enter your email address, for example name@example.org.")
        if self.type not in {kind.value for kind in RequestType}:
            self.errors["type"] = t.gettext("Choose what you are asking for.")
        if self.type == RequestType.RECTIFICATION and not (self.first_name or self.last_name):
            self.errors["first_name"] = t.gettext("Write the first name or the last name to correct.")
        if len(self.first_name) > NAME_MAX or len(self.last_name) > NAME_MAX:
            self.errors["first_name"] = t.gettext(
                "A name can have at most {count} characters.", count=NAME_MAX
            )
        for name in ("first_name", "last_name"):
            # A line break or a control character would end up in an email header (Changes refuses
            # it); the form says so next to the field rather than failing.
            if header_text.unsafe_character(getattr(self, name)):
                self.errors["first_name"] = t.gettext("A name must be a single line of text.")
        if self.errors:
            return None
        changes = Changes(first_name=self.first_name or None, last_name=self.last_name or None)
        return SubjectRequestInput(
            email=self.email,
            type=RequestType(self.type),
            changes=changes if self.type == RequestType.RECTIFICATION else None,
        )


def _error(form: RightsForm, name: str) -> tuple[str, str]:
    """The error paragraph of a field, and the attributes that tie it to its input."""
    message = form.errors.get(name)
    if not message:
        return "", ""
    return (
        f"<p class=error id={name}-error><strong>{escape(message)}</strong></p>",
        f' aria-invalid=true aria-describedby="{name}-error"',
    )


def rights_page(page: pages.Page, form: RightsForm | None = None, status: int = 200) -> Response:
    t = page.texts
    form = form or RightsForm()

    def paragraph(text: str) -> str:
        return f"<p>{escape(text)}</p>"

    def right(name: str, what: str) -> str:
        return f"<li><strong>{escape(name)}</strong> — {escape(what)}</li>"

    parts = [
        paragraph(
            t.gettext(
                "You can ask for the data held about your email address, in every mailing list "
                "that uses this service:"
            )
        ),
        "<ul>",
        right(
            t.gettext("Access"),
            t.gettext(
                "a copy of everything held about you: your subscriptions, the consent you gave "
                "and what happened to the emails sent to you."
            ),
        ),
        right(
            t.gettext("Rectification"), t.gettext("your first or last name corrected everywhere it is held.")
        ),
        right(
            t.gettext("Erasure"),
            t.gettext(
                "everything held about you deleted, in every list. You will receive no more emails from them."
            ),
        ),
        "</ul>",
        f"<h2>{escape(t.gettext('What happens next'))}</h2>",
        paragraph(
            t.gettext(
                "We send an email to the address you give. Nothing happens until you open the link in it "
                "and confirm: this way nobody can ask for your data in your place. The link works for 7 days."
            )
        ),
        paragraph(
            t.gettext(
                "Once you confirm, your request is carried out at once: you get a link to your data, or "
                "your data is corrected or erased. The law gives us at most one month; "
                "it takes a few minutes."
            )
        ),
        f"<h2>{escape(t.gettext('Make a request'))}</h2>",
    ]
    if form.errors:
        alert = escape(t.gettext("Please correct the fields marked below."))
        parts.append(f"<div role=alert class=error><p><strong>{alert}</strong></p></div>")
    email_error, email_attributes = _error(form, "email")
    type_error, type_attributes = _error(form, "type")
    name_error, _ = _error(form, "first_name")
    first_name_attributes = (
        'aria-invalid=true aria-describedby="names-hint first_name-error"'
        if name_error
        else 'aria-describedby="names-hint"'
    )
    choices = []
    for kind, label in (
        (RequestType.ACCESS, t.gettext("Send me a copy of my data")),
        (RequestType.RECTIFICATION, t.gettext("Correct my name")),
        (RequestType.ERASURE, t.gettext("Erase all my data")),
    ):
        checked = " checked" if form.type == kind.value else ""
        choices.append(
            f"<label class=choice for=type-{kind.value}><input type=radio id=type-{kind.value} name=type "
            f"value={kind.value}{checked} required{type_attributes}> <span>{escape(label)}</span></label>"
        )
    parts.append(
        f'<form method=post action="{escape(page.action())}" novalidate>'
        f"<label for=email>{escape(t.gettext('Your email address'))}</label>{email_error}"
        f'<input type=email id=email name=email required autocomplete=email value="{escape(form.email)}"'
        f"{email_attributes}>"
        f"<fieldset><legend>{escape(t.gettext('What are you asking for?'))}</legend>{type_error}"
        f"{''.join(choices)}</fieldset>"
        f"<fieldset><legend>{escape(t.gettext('For a correction only: the right names'))}</legend>"
        f"<p class=hint id=names-hint>{escape(t.gettext('Leave a field empty to keep it as it is.'))}</p>"
        f"{name_error}"
        f"<label for=first_name>{escape(t.gettext('First name'))}</label>"
        f"<input type=text id=first_name name=first_name maxlength={NAME_MAX} autocomplete=given-name "
        f'value="{escape(form.first_name)}" {first_name_attributes}>'
        f"<label for=last_name>{escape(t.gettext('Last name'))}</label>"
        f"<input type=text id=last_name name=last_name maxlength={NAME_MAX} autocomplete=family-name "
        f'value="{escape(form.last_name)}" aria-describedby="names-hint">'
        "</fieldset>"
        f"<p><button type=submit>{escape(t.gettext('Send my request'))}</button></p></form>"
    )
    return pages.html_response(t.gettext("Your data and your rights"), "".join(parts), status, page)


def received_page(page: pages.Page) -> Response:
    t = page.texts
    return pages.message_page(
        page,
        t.gettext("Check your inbox"),
        t.gettext(
            "If this address is known to us, we sent it an email with a link to confirm your request. "
            "The link works for 7 days. No email? Check your spam folder, or ask again later."
        ),
    )


# --- the export as a page -------------------------------------------------------------------


def _labels(t: Texts) -> dict[str, str]:
    return {
        "email": t.gettext("Email address"),
        "first_name": t.gettext("First name"),
        "last_name": t.gettext("Last name"),
        "status": t.gettext("Status"),
        "tracking_consent": t.gettext("Opens and clicks may be measured"),
        "attributes": t.gettext("Other data"),
        "created_at": t.gettext("Added on"),
        "confirmed_at": t.gettext("Confirmed on"),
        "optin_sent_at": t.gettext("Confirmation email sent on"),
        "consent": t.gettext("Consent recorded by the sender"),
        "list_name": t.gettext("List"),
        "account_id": t.gettext("Sender's account"),
        "expires_at": t.gettext("Will be deleted on"),
    }


def _words(t: Texts) -> dict[str, str]:
    """A contact's statuses as a person reads them."""
    return {
        "pending": t.gettext("waiting for confirmation"),
        "confirmed": t.gettext("subscribed"),
        "unsubscribed": t.gettext("unsubscribed"),
        "bounced": t.gettext("address unreachable"),
        "complained": t.gettext("marked as spam"),
    }


def _actions(t: Texts) -> dict[str, str]:
    """The consent ledger's actions as a person reads them."""
    return {
        "subscribed": t.gettext("subscribed on a website form"),
        "confirmed": t.gettext("Subscription confirmed"),
        "unsubscribed": t.gettext("Unsubscribed"),
        "added_by_account": t.gettext("added by the sender, with your consent"),
        "imported": t.gettext("imported by the sender, with your consent"),
        "tracking_granted": t.gettext("allowed opens and clicks to be measured"),
        "tracking_withdrawn": t.gettext("withdrew the measuring of opens and clicks"),
        "rectified": t.gettext("data corrected"),
    }


def _value(t: Texts, value: Any, words: dict[str, str]) -> str:
    if isinstance(value, bool):
        return t.gettext("yes") if value else t.gettext("no")
    if isinstance(value, dict):
        if not value:
            return "—"
        return "; ".join(f"{key}: {_value(t, item, words)}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(_value(t, item, words) for item in value) or "—"
    if value is None or value == "":
        return "—"
    text = str(value)
    if len(text) >= 19 and text[4] == "-" and text[10] == "T":
        try:
            return t.datetime(datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            return text
    return words.get(text, text)


_SKIPPED = {"contact_id", "list_id", "events", "record_id", "expiry_bucket"}


def _table(t: Texts, item: dict, labels: dict[str, str], words: dict[str, str]) -> str:
    rows = "".join(
        f"<tr><th scope=row>{escape(labels.get(key, key))}</th>"
        f"<td class=wrap>{escape(_value(t, value, words))}</td></tr>"
        for key, value in item.items()
        if key not in _SKIPPED
    )
    return f"<table>{rows}</table>"


def _scrolling(label: str, table: str) -> str:
    """A wide table in a region that scrolls sideways on a narrow screen (WCAG 1.4.10 lets data
    tables keep their two dimensions), reachable and scrollable with the keyboard."""
    return f'<div class=scroll role=region tabindex=0 aria-label="{escape(label)}">{table}</div>'


def export_page(page: pages.Page, data: dict, json_url: str) -> Response:
    t = page.texts
    labels, words, actions = _labels(t), _words(t), _actions(t)
    generated = datetime.fromisoformat(str(data["generated_at"]).replace("Z", "+00:00"))
    parts = [
        "<p>"
        + escape(
            t.gettext(
                "Everything held about {email} on {date}.",
                email=data.get("email") or "—",
                date=t.datetime(generated),
            )
        )
        + "</p>",
        f'<p><a class=button href="{escape(json_url)}" download="my-data.json">'
        f"{escape(t.gettext('Download this data (JSON)'))}</a></p>",
        f"<h2>{escape(t.gettext('Your subscriptions'))}</h2>",
    ]
    if not data.get("contacts"):
        parts.append(f"<p>{escape(t.gettext('No list holds this address.'))}</p>")
    for contact in data.get("contacts", []):
        parts.append(f"<h3>{escape(contact.get('list_name') or '—')}</h3>")
        parts.append(_table(t, contact, labels, words))
        events = contact.get("events") or []
        if events:
            header = (
                f"<tr><th scope=col>{escape(t.gettext('When'))}</th>"
                f"<th scope=col>{escape(t.gettext('What'))}</th>"
                f"<th scope=col>{escape(t.gettext('Campaign'))}</th></tr>"
            )
            rows = "".join(
                f"<tr><td class=when>{escape(_value(t, event.get('at') or event.get('sent_at'), words))}</td>"
                f"<td>{escape(str(event.get('kind') or event.get('record') or ''))}</td>"
                f"<td>{escape(str(event.get('campaign_id') or ''))}</td></tr>"
                for event in events
            )
            caption = t.gettext("The emails sent to you and what happened to them")
            parts.append(
                _scrolling(caption, f"<table><caption>{escape(caption)}</caption>{header}{rows}</table>")
            )
    parts.append(f"<h2>{escape(t.gettext('Your consent'))}</h2>")
    records = data.get("consent_records") or []
    if not records:
        parts.append(f"<p>{escape(t.gettext('No consent is recorded for this address.'))}</p>")
    else:
        header = "".join(
            f"<th scope=col>{escape(name)}</th>"
            for name in (
                t.gettext("When"),
                t.gettext("What"),
                t.gettext("The text you agreed to"),
                t.gettext("From (IP address, browser)"),
            )
        )

        def origin(record: dict) -> str:
            return " · ".join(v for v in (record.get("ip"), record.get("user_agent")) if v) or "—"

        rows = "".join(
            f"<tr><td class=when>{escape(_value(t, record.get('at'), words))}</td>"
            f"<td>{escape(_value(t, record.get('action'), actions))}</td>"
            f"<td>{escape(str(record.get('text') or '—'))}</td>"
            f"<td class=wrap>{escape(origin(record))}</td></tr>"
            for record in records
        )
        parts.append(_scrolling(t.gettext("Your consent"), f"<table><tr>{header}</tr>{rows}</table>"))
    return pages.html_response(t.gettext("Your data"), "".join(parts), 200, page)


def json_link(page: pages.Page) -> str:
    """The export's own URL asking for JSON."""
    return "?" + urlencode({**page.query, "format": "json"})
