"""Subscription function: website-form subscribe, double opt-in confirm, unsubscribe, and the
recipient's preference page.

Thin: parse the request, call the subscription service, shape the response.
"""

import json
from functools import cache
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from consentmail.campaigns.stats import UnsubscribeCounter
from consentmail.core.clock import now
from consentmail.core.errors import InvalidInput, InvalidToken
from consentmail.core.logs import get_logger
from consentmail.core.records import Visitor
from consentmail.core.tokens import Purpose
from consentmail.core.tokens import verify as verify_token
from consentmail.subscription.models import SubscribeRequest
from consentmail.subscription.preferences import PreferenceChanges, PreferencesService
from consentmail.subscription.preferences_page import preferences_page
from consentmail.subscription.service import SubscriptionService
from consentmail.web import documented, pages
from consentmail.web.api import SUBSCRIBE_CORS, client_ip, make_resolver, user_agent, validation_problem

logger = get_logger()
app = make_resolver(cors=SUBSCRIBE_CORS)


@cache
def service() -> SubscriptionService:
    return SubscriptionService()


@cache
def preferences() -> PreferencesService:
    return PreferencesService()


def visitor() -> Visitor:
    return Visitor(ip=client_ip(app), user_agent=user_agent(app))


def _content_type() -> str:
    headers = app.current_event.headers
    return headers.get("Content-Type") or headers.get("content-type") or ""


def _is_form() -> bool:
    return _content_type().startswith("application/x-www-form-urlencoded")


def _body_fields(is_form: bool) -> dict:
    """A POST body as fields: urlencoded (a repeated field keeps its last value, which is how the
    tracking checkbox after its hidden `false` works) or a JSON object."""
    raw = app.current_event.decoded_body or ""
    if is_form:
        return dict(parse_qsl(raw, keep_blank_values=True))
    try:
        data = json.loads(raw or "{}")
    except json.JSONDecodeError as error:
        raise InvalidInput("The body is not valid JSON.") from error
    if not isinstance(data, dict):
        raise InvalidInput("The body must be a JSON object.")
    return data


def _subscribe_request(is_form: bool) -> SubscribeRequest:
    data = _body_fields(is_form)
    try:
        if is_form and data.get("attributes"):
            data["attributes"] = json.loads(data["attributes"])
        return SubscribeRequest.model_validate(data)
    except json.JSONDecodeError as error:
        raise InvalidInput("The attributes field is not valid JSON.") from error
    except ValidationError as error:
        problem = validation_problem(error.errors())
        raise InvalidInput(problem.detail, problem.errors) from error


@app.post(
    "/subscribe",
    cors=True,
    summary="Subscribe from a website form (JSON or urlencoded form)",
    responses={
        202: documented.json_body("JSON: pending, whatever the address's state", {"type": "object"}),
        200: documented.page("Form post: check your inbox"),
        303: documented.redirect("Form post: to the list's confirm_redirect_url"),
        404: documented.problem("No such list"),
        422: documented.problem("No consent, an invalid address or sensitive data: the field is named"),
    },
)
def subscribe():
    is_form = _is_form()
    mailing_list = service().subscribe(_subscribe_request(is_form), visitor(), now())
    if not is_form:
        return Response(202, "application/json", json.dumps({"status": "pending"}))
    if mailing_list.confirm_redirect_url:
        return pages.redirect(mailing_list.confirm_redirect_url)
    return pages.message_page(
        "Check your inbox", "We sent you an email: follow its link to confirm your subscription."
    )


def _token() -> str:
    return app.current_event.get_query_string_value("token", "") or ""


def _invalid_link(error: InvalidToken) -> Response:
    return pages.message_page("This link is not valid", error.detail, 400)


@app.get(
    "/confirm",
    cors=False,
    summary="Confirm a subscription (double opt-in)",
    responses={
        200: documented.page("Confirmed"),
        303: documented.redirect("To the list's thank_you_url"),
        400: documented.page("Invalid or expired link"),
    },
)
def confirm():
    try:
        mailing_list = service().confirm(_token(), visitor(), now())
    except InvalidToken as error:
        return _invalid_link(error)
    if mailing_list.thank_you_url:
        return pages.redirect(mailing_list.thank_you_url)
    return pages.message_page("Subscription confirmed", f"You are now subscribed to {mailing_list.name}.")


@app.get(
    "/unsubscribe",
    cors=False,
    summary="The unsubscribe page (changes nothing)",
    responses={200: documented.page("A button that POSTs"), 400: documented.page("Invalid link")},
)
def unsubscribe_page():
    token = _token()
    try:
        mailing_list = service().check_unsubscribe(token, now())
    except InvalidToken as error:
        return _invalid_link(error)
    return pages.post_button_page(
        "Unsubscribe",
        f"Stop receiving emails from {mailing_list.name}?",
        f"?token={token}",
        "Unsubscribe",
    )


@app.post(
    "/unsubscribe",
    cors=False,
    summary="Unsubscribe (also the RFC 8058 one-click POST)",
    responses={200: documented.page("Unsubscribed"), 400: documented.page("Invalid link")},
)
def unsubscribe():
    # RFC 8058: the one-click POST carries "List-Unsubscribe=One-Click" (urlencoded or multipart);
    # the token in the URL is all we need, so any body is accepted and none is required.
    one_click = "List-Unsubscribe=One-Click" in (app.current_event.decoded_body or "")
    try:
        mailing_list = service().unsubscribe(_token(), visitor(), now(), "one_click" if one_click else "page")
    except InvalidToken as error:
        return _invalid_link(error)
    _count_unsubscribe(_token())
    return pages.message_page("Unsubscribed", f"You will receive no more emails from {mailing_list.name}.")


@app.get(
    "/preferences",
    cors=False,
    summary="The recipient's preference page",
    responses={200: documented.page("The preferences form"), 400: documented.page("Invalid link")},
)
def preferences_get():
    token = _token()
    try:
        mailing_list, contact = preferences().open(token, now())
    except InvalidToken as error:
        return _invalid_link(error)
    return preferences_page(mailing_list, contact, token)


@app.post(
    "/preferences",
    cors=False,
    summary="Change tracking consent, names, or unsubscribe",
    responses={
        200: documented.page("Saved"),
        400: documented.page("Invalid link"),
        422: documented.page("Refused: the field is named"),
    },
)
def preferences_post():
    token = _token()
    try:
        changes = PreferenceChanges.from_form(
            _body_fields(not _content_type().startswith("application/json"))
        )
        mailing_list, contact = preferences().change(token, changes, visitor(), now())
    except InvalidToken as error:
        return _invalid_link(error)
    except InvalidInput as error:
        return pages.message_page("These preferences cannot be saved", error.detail, 422)
    return preferences_page(mailing_list, contact, token, "Your preferences are saved.")


def _count_unsubscribe(token: str) -> None:
    """Credit the unsubscribe to the campaign the contact was last sent; never fails the request."""
    try:
        claims = verify_token(token, Purpose.UNSUBSCRIBE, now())
    except InvalidToken:
        return
    UnsubscribeCounter().count(str(claims.get("c", "")), now())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
