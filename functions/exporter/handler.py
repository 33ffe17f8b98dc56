"""Exporter function: the export queue's messages (`{"account_id", "export_id"}`), one per
invocation: the list's contacts streamed into the transfer bucket as the export's file
(consentmail/audience/bulk_export.py). Partial batch failures: a failed message is redelivered and
the export starts over; on its last delivery the export is marked failed before the message goes
to the dead-letter queue."""

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from consentmail.audience.models import DELIVERY_ATTEMPTS, ExportMessage
from consentmail.composition import exporter as services
from consentmail.core.clock import now
from consentmail.core.logs import get_logger

logger = get_logger()
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    message = ExportMessage.model_validate_json(record.body)
    exports = services.exports()
    try:
        exports.run(message.account_id, message.export_id, now())
    except Exception:
        if int(record.attributes.approximate_receive_count or 1) >= DELIVERY_ATTEMPTS:
            exports.give_up(message.account_id, message.export_id, now())
        raise


@logger.inject_lambda_context(log_event=False)
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
