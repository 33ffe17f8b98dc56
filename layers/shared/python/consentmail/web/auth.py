"""The caller of an account route, taken only from verified claims: API Gateway's Cognito
authorizer in AWS, the local gateway's JWT verification in local mode. Both put the ID token's
claims at requestContext.authorizer.claims; the account id is the Cognito `sub`."""

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from consentmail.core.errors import Unauthorized


def account_id(app: APIGatewayRestResolver) -> str:
    authorizer = app.current_event.request_context.authorizer
    claims = (authorizer.claims if authorizer else None) or {}
    subject = claims.get("sub")
    if not subject:
        raise Unauthorized("Sign in first: this route needs a valid Bearer token.")
    return subject
