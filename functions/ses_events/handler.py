"""ses_events function: SES events published by the configuration set to SNS, which invokes this
function (and the local SES simulator, with the same event shape). Each record's Sns.Message is
one SES event: events, counters and suppression follow (consentmail.ses_events.processing).

Lambda subscriptions are authorized by IAM, so the SNS signature is not checked here (the HTTP
webhook checks it). A message that is not an SES event is logged and dropped; a transient AWS
failure raises, so Lambda retries the invocation (processing is idempotent)."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from consentmail.clock import now
from consentmail.logs import get_logger
from consentmail.ses_events.processing import SesEventProcessor, parse_message

logger = get_logger()

_processor: SesEventProcessor | None = None


def processor() -> SesEventProcessor:
    global _processor
    if _processor is None:
        _processor = SesEventProcessor()
    return _processor


@logger.inject_lambda_context(log_event=False)
def handler(event: dict, context: LambdaContext) -> dict:
    processed = ignored = 0
    for record in event.get("Records") or []:
        message = (record.get("Sns") or {}).get("Message")
        ses_event = parse_message(message) if message is not None else None
        if ses_event is None:
            ignored += 1
            continue
        outcome = processor().process(ses_event, now())
        # One line per email at INFO would be the function's largest cost after its invocations.
        logger.debug(
            "SES event processed",
            extra={
                "event_kind": ses_event.kind,
                "counted": outcome.counted,
                "suppressed": len(outcome.suppressed),
            },
        )
        processed += 1
    return {"processed": processed, "ignored": ignored}
