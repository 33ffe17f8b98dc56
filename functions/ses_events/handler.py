"""ses_events function: SES events published by the configuration set to SNS, delivered (raw)
to a queue this function consumes in batches (the local SES simulator invokes it the same way).
Each record's body is one SES event: events, counters and suppression follow
(consentmail.ses_events.processing); the batch's counters are written once per campaign.

The queue and the topic are ours and IAM-authorized, so the SNS signature is not checked here
(the HTTP webhook checks it). A message that is not an SES event is logged and dropped; a record
whose processing fails is reported, alone, for redelivery (processing is idempotent)."""

import json

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from consentmail.composition import ses_events as services
from consentmail.core.clock import now
from consentmail.core.logs import get_logger
from consentmail.ses_events.processing import Outcome, parse_message

logger = get_logger()
batch = BatchProcessor(event_type=EventType.SQS)


def ses_message(body: str) -> str | dict:
    """The SES event of a queue message: the body itself (raw delivery), or the `Message` of an
    SNS envelope when the subscription is not raw."""
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if isinstance(data, dict) and data.get("Type") == "Notification" and "Message" in data:
        return data["Message"]
    return data


@logger.inject_lambda_context(log_event=False)
def handler(event: dict, context: LambdaContext) -> dict:
    at = now()
    outcome = Outcome()

    def record_handler(record: SQSRecord) -> None:
        ses_event = parse_message(ses_message(record.body))
        if ses_event is not None:
            services.processor().apply(ses_event, at, outcome)

    response = process_partial_response(
        event=event, record_handler=record_handler, processor=batch, context=context
    )
    services.processor().flush(outcome, at)
    logger.debug(
        "SES events processed", extra={"counted": outcome.counted, "suppressed": len(outcome.suppressed)}
    )
    return response
