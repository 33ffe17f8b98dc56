"""Fan-out function: one SQS message per campaign send (`{"campaign_id", "account_id"}`); puts
the list's sendable contacts on the send queue in batches of 50. Partial batch failures: a message
that fails is redelivered alone and resumes from the cursor saved on the campaign."""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from consentmail.composition import fanout as services
from consentmail.core.clock import now
from consentmail.core.logs import get_logger
from consentmail.sending.models import FanOutMessage

logger = get_logger()
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord, lambda_context: LambdaContext | None = None) -> None:
    message = FanOutMessage.model_validate_json(record.body)

    def time_left() -> float:
        return lambda_context.get_remaining_time_in_millis() / 1000 if lambda_context else float("inf")

    services.fanout().run(message, now(), time_left)


@logger.inject_lambda_context(log_event=False)
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
