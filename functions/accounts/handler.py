"""Accounts function: account holders' sign-up, sign-in, profile, lists, contacts, campaigns and
their statistics, one Powertools resolver made of one router per concern.

Thin: each router parses the request, calls the domain and shapes the response. Every route but
sign-up and sign-in sits behind the Cognito authorizer (the local gateway verifies the same JWT),
and takes the account id from the verified claims only.
"""

import importlib

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from consentmail.core.logs import get_logger
from consentmail.web.api import make_resolver

logger = get_logger()
app = make_resolver()

# The routers are this module's siblings: `functions.accounts.*` in tests and local mode, top-level
# modules in the Lambda bundle (the function folder is the code root). A missing one fails here,
# at cold start.
ROUTER_MODULES = (
    "account_routes",
    "list_routes",
    "contact_routes",
    "bulk_routes",
    "campaign_routes",
    "campaign_preparation_routes",
    "stats_routes",
    "retention_routes",
)
_PACKAGE = __name__.rpartition(".")[0]

for _name in ROUTER_MODULES:
    app.include_router(importlib.import_module(f"{_PACKAGE}.{_name}" if _PACKAGE else _name).router)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
