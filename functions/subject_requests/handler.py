"""Subject-requests function: the rights page and its form, receiving a GDPR request, the
verification page, carrying it out, and the access export (JSON, or a page for a browser).

Thin: parse the request, call the subject-request service, shape the response.
"""

import json
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from consentmail.composition import subject_requests as services
from consentmail.core.clock import now
from consentmail.core.errors import InvalidInput, InvalidToken, problem_for
from consentmail.core.i18n import Texts
from consentmail.core.logs import get_logger
from consentmail.core.records import RequestType
from consentmail.subject_requests.models import SubjectRequestInput
from consentmail.web import documented, forms, pages, rights_pages
from consentmail.web.api import make_resolver, problem_response
from consentmail.web.decoding import UndecodableRequest

logger = get_logger()
app = make_resolver()


class Pending(BaseModel):
    """The one answer to every well-formed request, whatever the address."""

    status: Literal["pending"] = "pending"


Token = Annotated[str, Query(description="The token from the emailed link")]

RIGHTS = "/subject-requests"
EXPORT = "/subject-requests/export"


def page() -> pages.Page:
    """These pages follow `?lang=` or the browser's `Accept-Language` (no list is involved)."""
    return pages.page_for(app.current_event)


def _confirm_text(t: Texts, request_type: RequestType) -> str:
    if request_type == RequestType.ACCESS:
        return t.gettext("Send me a copy of the data held about my email address?")
    if request_type == RequestType.RECTIFICATION:
        return t.gettext("Apply the corrections I asked for to the data held about my email address?")
    return t.gettext("Erase all data held about my email address, in every list? This cannot be undone.")


def _done_text(t: Texts, request_type: RequestType) -> str:
    if request_type == RequestType.ACCESS:
        return t.gettext("We emailed you a link to your data. It works for 7 days.")
    if request_type == RequestType.RECTIFICATION:
        return t.gettext("Your data has been corrected everywhere we hold it.")
    return t.gettext(
        "Your data has been erased. Only a one-way fingerprint of your address remains, "
        "so that nobody can add it to a list again."
    )


def _already_done(current: pages.Page) -> Response:
    t = current.texts
    return pages.message_page(
        current,
        t.gettext("Request already carried out"),
        t.gettext("This request has already been carried out."),
    )


CONFIRM = "/subject-requests/confirm"


@app.exception_handler(InvalidToken)
def invalid_link(error: InvalidToken) -> Response:
    # The verification pages answer an invalid or expired link with a page; the export's JSON
    # refusal is a problem+json 400, its page a page.
    if app.current_event.path == EXPORT and not wants_page():
        return problem_response(problem_for(error))
    current = page()
    t = current.texts
    return pages.message_page(
        current,
        t.gettext("This link is not valid"),
        t.gettext(
            "This link is broken or has expired (links in our emails work for 7 days). "
            "You can make a new request on the rights page."
        ),
        400,
    )


@app.get(
    RIGHTS,
    summary="The rights page: access, rectification or erasure",
    description="An HTML form in the browser's language (en, fr, de, es, it; `?lang=` switches).",
    responses={200: documented.page("The rights page")},
)
def rights():
    return rights_pages.rights_page(page())


@app.exception_handler(UndecodableRequest)
def unreadable(error: UndecodableRequest) -> Response:
    # A link whose query cannot be read is a broken link: the verification page says so.
    if app.current_event.path == CONFIRM:
        current = page()
        title = current.texts.gettext("This link is not valid")
        return pages.message_page(current, title, error.detail, error.status)
    return problem_response(problem_for(error))


@app.post(
    RIGHTS,
    summary="Ask for access, rectification or erasure",
    description="JSON: always 202 pending for a well-formed request, known address or not. The rights "
    "page's form (urlencoded): a 200 page, the same whatever the address; a malformed form is the "
    "form again (422) with each problem next to its field. Emails a verification link (7 days) in "
    "the page's language, at most 3 times per address per day.",
    responses={
        202: documented.json_body("Received; a verification link is on its way", {"type": "object"}),
        200: documented.page("Form post: check your inbox"),
        422: documented.problem_or_page(
            "Malformed: the field and the reason are named (a form: the form again)"
        ),
    },
)
def receive():
    event = app.current_event
    if forms.is_form(event):
        current = page()
        form = rights_pages.RightsForm.from_fields(forms.body_fields(event, form=True))
        request = form.validated(current.texts)
        if request is None:
            return rights_pages.rights_page(current, form, 422)
        try:
            services.subject_requests().receive(request, now(), current.language)
        except InvalidInput as error:
            form.errors["first_name"] = error.detail
            return rights_pages.rights_page(current, form, 422)
        return rights_pages.received_page(current)
    request = forms.validated(SubjectRequestInput, forms.body_fields(event, form=False))
    services.subject_requests().receive(request, now(), page().language)
    return Response(202, "application/json", Pending())


@app.get(
    CONFIRM,
    summary="The verification page",
    description="A page whose button POSTs; following the link changes nothing.",
    responses={200: documented.page("The page"), 400: documented.page("Invalid or expired link")},
)
def confirm_page(token: Token = ""):
    request = services.subject_requests().pending(token, now())
    current = page()
    if not request.is_open:
        return _already_done(current)
    t = current.texts
    return pages.post_button_page(
        current, t.gettext("Confirm your request"), _confirm_text(t, request.type), t.gettext("Confirm")
    )


@app.post(
    CONFIRM,
    summary="Carry the request out",
    responses={200: documented.page("Done"), 400: documented.page("Invalid or expired link")},
)
def confirm(token: Token = ""):
    current = page()
    outcome = services.subject_requests().carry_out(token, now(), current.language)
    if not outcome.done_now:
        return _already_done(current)
    t = current.texts
    return pages.message_page(current, t.gettext("Request carried out"), _done_text(t, outcome.request_type))


def wants_page() -> bool:
    """A browser's request (Accept preferring text/html) unless `?format=json` asks for the JSON."""
    event = app.current_event
    if event.get_query_string_value("format", "") == "json":
        return False
    headers = event.headers or {}
    accept = (headers.get("Accept") or headers.get("accept") or "").lower()
    if "text/html" not in accept:
        return False
    return "application/json" not in accept or accept.index("text/html") < accept.index("application/json")


@app.get(
    EXPORT,
    summary="The access export",
    description="Everything held about the address, in every account; the link works 7 days. JSON, or "
    "for a browser (Accept preferring text/html) a readable page with a button to download the JSON; "
    "`?format=json` always gets the JSON.",
    responses={
        200: {
            "description": "The export",
            "content": {**documented.HTML, "application/json": {"schema": {"type": "object"}}},
        },
        400: documented.problem("Invalid or expired link (a page for a browser)"),
    },
)
def export(token: Token = ""):
    data = services.subject_requests().export(token, now())
    if wants_page():
        current = page()
        return rights_pages.export_page(current, data, rights_pages.json_link(current))
    headers = {"Cache-Control": "no-store", "Content-Disposition": 'attachment; filename="my-data.json"'}
    return Response(200, "application/json", json.dumps(data, ensure_ascii=False), headers)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
