"""The account routes: sign-up and its verification, sign-in, refresh, sign-out, the forgotten
password and the password change, the profile, its export, closure, notifications.

A wrong current password in `POST /account/password` answers 403, not 401: the caller is signed
in, and a console reads 401 as "the session expired, sign in again"."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from consentmail.accounts.models import (
    AccountCreated,
    Closure,
    Credentials,
    NewAccount,
    NotificationPage,
    PasswordChange,
    PasswordForgotten,
    PasswordReset,
    ProfileOut,
    ProfilePatch,
    Refreshed,
    RefreshRequest,
    ResetAccepted,
    Tokens,
    Verification,
)
from consentmail.composition import accounts as services
from consentmail.core.clock import now
from consentmail.web.account_responses import documented
from consentmail.web.api import client_ip
from consentmail.web.auth import active_account_id
from consentmail.web.documented import problem

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


INVALID_LINK = {400: problem("The token is malformed, tampered with, expired or already used")}
RULE_422 = {422: problem("Invalid input, or a password that breaks the rule (each broken rule named)")}


@router.post(
    "/accounts/verify",
    status_code=204,
    tags=TAGS,
    summary="Verify my email address with the emailed link's token (idempotent)",
    responses={**documented(204, None), **INVALID_LINK},
)
def verify_account(request: Annotated[Verification, Body()]) -> Response[None]:
    services.accounts().verify_email(request.token, now())
    return Response(204, None, "")


@router.post(
    "/auth/refresh",
    tags=TAGS,
    summary="New ID and access tokens for a refresh token",
    responses=documented(200, Refreshed, 401),
)
def refresh(request: Annotated[RefreshRequest, Body()]) -> Refreshed:
    return services.accounts().refresh(request.refresh_token, now())


@router.post(
    "/auth/logout",
    status_code=204,
    tags=TAGS,
    summary="Sign out: revoke this session's refresh token",
    responses=documented(204, None, 401),
)
def logout(request: Annotated[RefreshRequest, Body()]) -> Response[None]:
    services.accounts().logout(_caller(), request.refresh_token, now())
    return Response(204, None, "")


@router.post(
    "/auth/password/forgot",
    status_code=202,
    tags=TAGS,
    summary="Email a password-reset link (the same answer for every address)",
    responses=documented(202, ResetAccepted, description="Sent if the address has an account"),
)
def forgot_password(request: Annotated[PasswordForgotten, Body()]) -> Response[ResetAccepted]:
    services.accounts().forgot_password(request.email, now())
    return Response(202, "application/json", ResetAccepted(status="accepted"))


@router.post(
    "/auth/password/reset",
    status_code=204,
    tags=TAGS,
    summary="Set a new password with a reset link's token; every session is signed out",
    responses={**documented(204, None), **INVALID_LINK, **RULE_422},
)
def reset_password(request: Annotated[PasswordReset, Body()]) -> Response[None]:
    services.accounts().reset_password(request.token, request.password.get_secret_value(), now())
    return Response(204, None, "")


@router.post(
    "/account/password",
    status_code=204,
    tags=TAGS,
    summary="Change my password",
    responses={
        **documented(204, None, 401),
        403: problem("The current password is not correct"),
        **RULE_422,
    },
)
def change_password(request: Annotated[PasswordChange, Body()]) -> Response[None]:
    services.accounts().change_password(
        _caller(),
        request.current_password.get_secret_value(),
        request.new_password.get_secret_value(),
        now(),
    )
    return Response(204, None, "")


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
