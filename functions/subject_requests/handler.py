"""Subject-requests function: receive a GDPR request, the verification page, carrying it out,
and the access export.

Thin: parse the request, call the subject-request service, shape the response.
"""

import json
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from consentmail.composition import subject_requests as services
from consentmail.core.clock import now
from consentmail.core.errors import InvalidToken, problem_for
from consentmail.core.logs import get_logger
from consentmail.core.records import RequestType
from consentmail.subject_requests.models import SubjectRequestInput
from consentmail.web import documented, pages
from consentmail.web.api import make_resolver, problem_response
from consentmail.web.decoding import UndecodableRequest

logger = get_logger()
app = make_resolver()


class Pending(BaseModel):
    """The one answer to every well-formed request, whatever the address."""

    status: Literal["pending"] = "pending"


Token = Annotated[str, Query(description="The token from the emailed link")]

_CONFIRM_TEXT = {
    RequestType.ACCESS: "Send me a copy of the data held about my email address?",
    RequestType.RECTIFICATION: "Apply the corrections I asked for to the data held about my email address?",
    RequestType.ERASURE: "Erase all data held about my email address, in every list? This cannot be undone.",
}
_DONE_TEXT = {
    RequestType.ACCESS: "We emailed you a link to your data. It works for 7 days.",
    RequestType.RECTIFICATION: "Your data has been corrected everywhere we hold it.",
    RequestType.ERASURE: "Your data has been erased. Only a one-way fingerprint of your address remains, "
    "so that nobody can add it to a list again.",
}


EXPORT = "/subject-requests/export"


CONFIRM = "/subject-requests/confirm"


@app.exception_handler(InvalidToken)
def invalid_link(error: InvalidToken) -> Response:
    # The verification pages answer an invalid or expired link with a page; the export is JSON,
    # so its refusal is a problem+json 400.
    if app.current_event.path == EXPORT:
        return problem_response(problem_for(error))
    return pages.message_page("This link is not valid", error.detail, 400)


@app.exception_handler(UndecodableRequest)
def unreadable(error: UndecodableRequest) -> Response:
    # A link whose query cannot be read is a broken link: the verification page says so.
    if app.current_event.path == CONFIRM:
        return pages.message_page("This link is not valid", error.detail, error.status)
    return problem_response(problem_for(error))


@app.post(
    "/subject-requests",
    summary="Ask for access, rectification or erasure",
    description="Always 202 pending for a well-formed request, known address or not; emails a "
    "verification link (7 days), at most 3 times per address per day.",
    responses={
        202: documented.json_body("Received; a verification link is on its way", {"type": "object"}),
        422: documented.problem("Malformed: the field and the reason are named"),
    },
)
def receive(request: Annotated[SubjectRequestInput, Body()]) -> Response[Pending]:
    services.subject_requests().receive(request, now())
    return Response(202, "application/json", Pending())


@app.get(
    CONFIRM,
    summary="The verification page",
    description="A page whose button POSTs; following the link changes nothing.",
    responses={200: documented.page("The page"), 400: documented.page("Invalid or expired link")},
)
def confirm_page(token: Token = ""):
    request = services.subject_requests().pending(token, now())
    if not request.is_open:
        return pages.message_page("Request already carried out", "This request has already been carried out.")
    return pages.post_button_page(
        "Confirm your request", _CONFIRM_TEXT[request.type], f"?token={token}", "Confirm"
    )


@app.post(
    CONFIRM,
    summary="Carry the request out",
    responses={200: documented.page("Done"), 400: documented.page("Invalid or expired link")},
)
def confirm(token: Token = ""):
    outcome = services.subject_requests().carry_out(token, now())
    if not outcome.done_now:
        return pages.message_page("Request already carried out", "This request has already been carried out.")
    return pages.message_page("Request carried out", _DONE_TEXT[outcome.request_type])


@app.get(
    EXPORT,
    summary="The access export",
    description="Everything held about the address, in every account (JSON); the link works 7 days.",
    responses={
        200: documented.json_body("The export", {"type": "object"}),
        400: documented.problem("Invalid or expired link"),
    },
)
def export(token: Token = ""):
    data = services.subject_requests().export(token, now())
    headers = {"Cache-Control": "no-store", "Content-Disposition": 'attachment; filename="my-data.json"'}
    return Response(200, "application/json", json.dumps(data, ensure_ascii=False), headers)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
