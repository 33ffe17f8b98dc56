"""ses_webhook function: `POST /webhooks/ses`, the Amazon SNS HTTP(S) endpoint for operators who
route SES events from elsewhere. Every message is verified (consentmail.ses_events.sns_verify)
before anything happens: unverified, or a signing certificate that cannot be fetched → 403 and no
change (a forged message must neither make us fetch on every request nor page the operator); a
subscription confirmation whose GET fails after verification → 503 so SNS retries; verified
notifications go through the same processing as the ses_events function."""

import json

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from consentmail.composition import ses_webhook as services
from consentmail.core.clock import now
from consentmail.core.errors import Problem
from consentmail.core.logs import get_logger
from consentmail.ses_events.sns_verify import SnsRejected, SnsUnavailable
from consentmail.web import documented
from consentmail.web.api import make_resolver, problem_response

logger = get_logger()
app = make_resolver()


@app.post(
    "/webhooks/ses",
    cors=False,
    summary="Amazon SNS HTTPS endpoint for SES events",
    responses={
        200: documented.json_body("Verified: processed, confirmed or ignored", {"type": "object"}),
        403: documented.problem("Not a verified SNS message of a configured topic; nothing changed"),
        503: documented.problem("A verified subscription could not be confirmed now; SNS retries"),
    },
)
def receive():
    headers = app.current_event.headers
    message_type = headers.get("x-amz-sns-message-type") or headers.get("X-Amz-Sns-Message-Type")
    try:
        done = services.webhook().handle(app.current_event.decoded_body or "", message_type, now())
    except SnsRejected as error:
        logger.warning("SNS message refused", extra={"reason": str(error)})
        return problem_response(Problem(403, "Forbidden", "This message is not a verified SNS message."))
    except SnsUnavailable as error:
        logger.error("SNS message not verifiable now", extra={"reason": str(error)})
        return problem_response(Problem(503, "Service unavailable", "Try again later."))
    return Response(200, "application/json", json.dumps({"status": done}))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
