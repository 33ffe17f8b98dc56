"""Subscription function: website-form subscribe, double opt-in confirm, unsubscribe.

Thin: parse the request, call the subscription service, shape the response.
"""

import json
from urllib.parse import parse_qsl

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from consentmail.clock import now
from consentmail.errors import InvalidInput, InvalidToken
from consentmail.subscription.models import SubscribeRequest
from consentmail.subscription.service import SubscriptionService, Visitor
from consentmail.web import pages
from consentmail.web.api import SUBSCRIBE_CORS, client_ip, make_resolver, user_agent, validation_problem

logger = Logger()
tracer = Tracer()
app = make_resolver(cors=SUBSCRIBE_CORS)

_service: SubscriptionService | None = None


def service() -> SubscriptionService:
    global _service
    if _service is None:
        _service = SubscriptionService()
    return _service


def visitor() -> Visitor:
    return Visitor(ip=client_ip(app), user_agent=user_agent(app))


def _is_form() -> bool:
    content_type = app.current_event.headers.get("Content-Type") or app.current_event.headers.get(
        "content-type"
    )
    return (content_type or "").startswith("application/x-www-form-urlencoded")


def _subscribe_request(is_form: bool) -> SubscribeRequest:
    raw = app.current_event.decoded_body or ""
    try:
        if is_form:
            data: dict = dict(parse_qsl(raw, keep_blank_values=True))
            if data.get("attributes"):
                data["attributes"] = json.loads(data["attributes"])
        else:
            data = json.loads(raw or "{}")
            if not isinstance(data, dict):
                raise InvalidInput("The body must be a JSON object.")
        return SubscribeRequest.model_validate(data)
    except json.JSONDecodeError as error:
        raise InvalidInput("The body is not valid JSON.") from error
    except ValidationError as error:
        problem = validation_problem(error.errors())
        raise InvalidInput(problem.detail, problem.errors) from error


@app.post("/subscribe", cors=True)
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


@app.get("/confirm", cors=False)
def confirm():
    try:
        mailing_list = service().confirm(_token(), visitor(), now())
    except InvalidToken as error:
        return _invalid_link(error)
    if mailing_list.thank_you_url:
        return pages.redirect(mailing_list.thank_you_url)
    return pages.message_page("Subscription confirmed", f"You are now subscribed to {mailing_list.name}.")


@app.get("/unsubscribe", cors=False)
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


@app.post("/unsubscribe", cors=False)
def unsubscribe():
    # RFC 8058: the one-click POST carries "List-Unsubscribe=One-Click" (urlencoded or multipart);
    # the token in the URL is all we need, so any body is accepted and none is required.
    one_click = "List-Unsubscribe=One-Click" in (app.current_event.decoded_body or "")
    try:
        mailing_list = service().unsubscribe(_token(), visitor(), now(), "one_click" if one_click else "page")
    except InvalidToken as error:
        return _invalid_link(error)
    return pages.message_page("Unsubscribed", f"You will receive no more emails from {mailing_list.name}.")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
