"""The account routes: sign-up, sign-in, the profile, its export, closure, notifications."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from consentmail.accounts.models import (
    AccountCreated,
    Closure,
    Credentials,
    NewAccount,
    NotificationPage,
    ProfileOut,
    ProfilePatch,
    Tokens,
)
from consentmail.composition import accounts as services
from consentmail.core.clock import now
from consentmail.web.account_responses import documented
from consentmail.web.api import client_ip
from consentmail.web.auth import active_account_id

router = APIGatewayRouter()
TAGS = ["account"]


def _caller() -> str:
    """The caller's account id, from verified claims; a closed account's token answers 401."""
    return active_account_id(router, services.accounts(), now())


@router.post(
    "/accounts",
    status_code=201,
    tags=TAGS,
    summary="Create an account",
    responses=documented(201, AccountCreated, 409),
)
def create_account(request: Annotated[NewAccount, Body()]) -> AccountCreated:
    profile = services.accounts().create_account(request, client_ip(router), now())
    return AccountCreated(account_id=profile.account_id)


@router.post(
    "/auth/login", tags=TAGS, summary="Sign in: Cognito's tokens", responses=documented(200, Tokens, 401)
)
def login(credentials: Annotated[Credentials, Body()]) -> Tokens:
    return services.accounts().login(credentials.email, credentials.password.get_secret_value(), now())


@router.get("/account", tags=TAGS, summary="My profile")
def get_profile() -> ProfileOut:
    account_id = _caller()
    return ProfileOut.of(services.accounts().active_profile(account_id, now()))


@router.patch("/account", tags=TAGS, summary="Edit my profile")
def patch_profile(patch: Annotated[ProfilePatch, Body()]) -> ProfileOut:
    account_id = _caller()
    return ProfileOut.of(services.accounts().update_profile(account_id, patch, client_ip(router), now()))


@router.delete("/account", status_code=202, tags=TAGS, summary="Close my account")
def close_account() -> Closure:
    account_id = _caller()
    closed = services.accounts().close(account_id, now())
    assert closed.deletion_due is not None
    return Closure(deletion_due=closed.deletion_due.date().isoformat())


@router.get("/account/export", tags=TAGS, summary="Everything held about me")
def export_account() -> dict[str, Any]:
    account_id = _caller()
    return services.accounts().export(account_id, now())


@router.get("/account/notifications", tags=TAGS, summary="My notifications")
def notifications() -> NotificationPage:
    account_id = _caller()
    return NotificationPage(items=services.accounts().notifications(account_id, now()))
