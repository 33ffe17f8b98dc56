"""The caller of an account route, taken only from verified claims: API Gateway's Cognito
authorizer in AWS, the local gateway's JWT verification in local mode. Both put the ID token's
claims at requestContext.authorizer.claims; the account id is the Cognito `sub`."""

from datetime import datetime
from typing import Protocol

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from consentmail.core.errors import Unauthorized


class Accounts(Protocol):
    """What the caller check needs of the account service: an open account's profile, or
    Unauthorized for a closed one."""

    def active_profile(self, account_id: str, at: datetime) -> object: ...


def account_id(app: APIGatewayRestResolver | APIGatewayRouter) -> str:
    authorizer = app.current_event.request_context.authorizer
    claims = (authorizer.claims if authorizer else None) or {}
    subject = claims.get("sub")
    if not subject:
        raise Unauthorized("Sign in first: this route needs a valid Bearer token.")
    return subject


def active_account_id(
    app: APIGatewayRestResolver | APIGatewayRouter, accounts: Accounts, at: datetime
) -> str:
    """The caller's account id, from verified claims only; a closed account's still-valid token
    is refused like a missing one (401)."""
    caller = account_id(app)
    accounts.active_profile(caller, at)
    return caller
