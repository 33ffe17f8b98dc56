"""Sender function: each SQS message is a batch of up to 50 contacts of one campaign
(`{"campaign_id", "account_id", "list_id", "contact_ids"}`); one email per contact through SES,
exactly once per (campaign, contact), paced to the account's maximum send rate. Partial batch
failures: only the messages that failed (throttled for long, SES errors) are redelivered, and their
contacts already sent are skipped by their send markers.

The rate limiter lives as long as the container, so consecutive batches and invocations share one
pace; the function's reserved concurrency (CDK) bounds how many containers pace in parallel."""

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from consentmail.composition import sender as services
from consentmail.core.logs import get_logger
from consentmail.core.metrics import CAMPAIGN_RECIPIENTS_FAILED
from consentmail.sending.models import SendBatch

logger = get_logger()
metrics = Metrics(namespace="consentmail")
processor = BatchProcessor(event_type=EventType.SQS)

# Recipients counted `failed` (their email could not be built or SES refused it): the CDK app
# alarms when any campaign has some, so a failing send is never only a number in a report.
FAILED_METRIC = CAMPAIGN_RECIPIENTS_FAILED


def record_handler(record: SQSRecord, lambda_context: LambdaContext | None = None) -> None:
    def time_left() -> float:
        return lambda_context.get_remaining_time_in_millis() / 1000 if lambda_context else float("inf")

    outcome = services.sender().send_batch(SendBatch.model_validate_json(record.body), time_left)
    if outcome.failed:
        metrics.add_metric(name=FAILED_METRIC, unit=MetricUnit.Count, value=outcome.failed)


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
