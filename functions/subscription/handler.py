"""Subscription function: website-form subscribe, double opt-in confirm, unsubscribe, and the
recipient's preference page.

Thin: parse the request, call the subscription service, shape the response. Every route but
`/subscribe` is a page a recipient opens from an email, so its refusals are pages too (one
exception handler): an invalid or expired link answers the 400 page, a refused preference change
the 422 page. `/subscribe` answers scripts and website forms with problem+json."""

import json

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from consentmail.composition import subscription as services
from consentmail.core.clock import now
from consentmail.core.errors import DomainError, InvalidInput, InvalidToken, problem_for
from consentmail.core.logs import get_logger
from consentmail.core.records import MailingList, Visitor
from consentmail.subscription.models import SubscribeRequest
from consentmail.subscription.preferences import PreferenceChanges
from consentmail.web import documented, forms, pages
from consentmail.web.api import SUBSCRIBE_CORS, client_ip, make_resolver, problem_response, user_agent
from consentmail.web.decoding import UndecodableRequest
from consentmail.web.preferences_page import preferences_page

logger = get_logger()
app = make_resolver(cors=SUBSCRIBE_CORS)

PREFERENCES = "/preferences"
CONFIRM = "/confirm"
SUBSCRIBE = "/subscribe"


@app.exception_handler(DomainError)
def refused(error: DomainError) -> Response:
    # No list is known here: the page follows `?lang=` or the browser's language.
    page = pages.page_for(app.current_event)
    t = page.texts
    if isinstance(error, InvalidToken):
        explanation = t.gettext(
            "This link is broken or has expired (links in our emails work for 7 days). "
            "Use the link in a more recent email, or subscribe again."
        )
        return pages.message_page(page, t.gettext("This link is not valid"), explanation, 400)
    if isinstance(error, InvalidInput) and app.current_event.path == PREFERENCES:
        return pages.message_page(page, t.gettext("These preferences cannot be saved"), error.detail, 422)
    if isinstance(error, UndecodableRequest) and app.current_event.path != SUBSCRIBE:
        # A recipient's page whose link or form cannot be read: a page, not a JSON problem.
        return pages.message_page(page, t.gettext("This request cannot be read"), error.detail, error.status)
    return problem_response(problem_for(error))


def page_of(mailing_list: MailingList) -> pages.Page:
    return pages.page_for(app.current_event, mailing_list.language)


def visitor() -> Visitor:
    return Visitor(ip=client_ip(app), user_agent=user_agent(app))


def token() -> str:
    return app.current_event.get_query_string_value("token", "") or ""


@app.post(
    SUBSCRIBE,
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
    is_form = forms.is_form(app.current_event)
    fields = forms.body_fields(app.current_event, form=is_form)
    # A form carries `attributes` as a JSON text; a JSON body as an object.
    request = forms.validated(SubscribeRequest, forms.json_field(fields, "attributes") if is_form else fields)
    mailing_list = services.subscription().subscribe(request, visitor(), now())
    if not is_form:
        return Response(202, "application/json", json.dumps({"status": "pending"}))
    if mailing_list.confirm_redirect_url:
        return pages.redirect(mailing_list.confirm_redirect_url)
    page = page_of(mailing_list)
    t = page.texts
    return pages.message_page(
        page,
        t.gettext("Check your inbox"),
        t.gettext("We sent you an email: follow its link to confirm your subscription."),
    )


@app.get(
    CONFIRM,
    cors=False,
    summary="The confirmation page (changes nothing)",
    description="A page whose button POSTs: mail gateways fetch every link of an email, so "
    "following the link alone never confirms.",
    responses={200: documented.page("A button that POSTs"), 400: documented.page("Invalid or expired link")},
)
def confirm_page():
    mailing_list, _ = services.subscription().check_confirm(token(), now())
    page = page_of(mailing_list)
    t = page.texts
    return pages.post_button_page(
        page,
        t.gettext("Confirm your subscription"),
        t.gettext("Do you want to receive emails from {list_name}?", list_name=mailing_list.name),
        t.gettext("Yes, subscribe me"),
    )


@app.post(
    CONFIRM,
    cors=False,
    summary="Confirm a subscription (double opt-in)",
    description="Idempotent; the consent ledger records the time, IP and user agent of this POST.",
    responses={
        200: documented.page("Confirmed"),
        303: documented.redirect("To the list's thank_you_url"),
        400: documented.page("Invalid or expired link"),
    },
)
def confirm():
    mailing_list = services.subscription().confirm(token(), visitor(), now())
    if mailing_list.thank_you_url:
        return pages.redirect(mailing_list.thank_you_url)
    page = page_of(mailing_list)
    t = page.texts
    return pages.message_page(
        page,
        t.gettext("Subscription confirmed"),
        t.gettext("You are now subscribed to {list_name}.", list_name=mailing_list.name),
    )


@app.get(
    "/unsubscribe",
    cors=False,
    summary="The unsubscribe page (changes nothing)",
    responses={200: documented.page("A button that POSTs"), 400: documented.page("Invalid link")},
)
def unsubscribe_page():
    mailing_list = services.subscription().check_unsubscribe(token(), now())
    page = page_of(mailing_list)
    t = page.texts
    return pages.post_button_page(
        page,
        t.gettext("Unsubscribe"),
        t.gettext("Stop receiving emails from {list_name}?", list_name=mailing_list.name),
        t.gettext("Unsubscribe"),
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
    source = "one_click" if one_click else "page"
    mailing_list = services.subscription().unsubscribe(token(), visitor(), now(), source)
    page = page_of(mailing_list)
    t = page.texts
    return pages.message_page(
        page,
        t.gettext("Unsubscribed"),
        t.gettext("You will receive no more emails from {list_name}.", list_name=mailing_list.name),
    )


@app.get(
    PREFERENCES,
    cors=False,
    summary="The recipient's preference page",
    responses={200: documented.page("The preferences form"), 400: documented.page("Invalid link")},
)
def preferences_get():
    mailing_list, contact = services.preferences().open(token(), now())
    return preferences_page(page_of(mailing_list), mailing_list, contact)


@app.post(
    PREFERENCES,
    cors=False,
    summary="Change tracking consent, names, or unsubscribe",
    responses={
        200: documented.page("Saved"),
        400: documented.page("Invalid link"),
        422: documented.page("Refused: the field is named"),
    },
)
def preferences_post():
    # The page posts a form; anything but a JSON body is read as one.
    fields = forms.body_fields(app.current_event, form=not forms.is_json(app.current_event))
    changes = PreferenceChanges.from_form(fields)
    requested = app.current_event.get_query_string_value("lang")
    mailing_list, contact = services.preferences().change(token(), changes, visitor(), now(), requested)
    page = page_of(mailing_list)
    return preferences_page(page, mailing_list, contact, page.texts.gettext("Your preferences are saved."))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
