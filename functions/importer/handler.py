"""Importer function: the import queue's messages, one per invocation. Either an uploaded file's
S3 event (the bucket puts `ObjectCreated` events of `imports/` there itself; the test event S3
sends when the notification is set up is ignored), or `{"account_id", "import_id"}`, an import
continuing where its previous invocation stopped. Each runs the import from its checkpoint until it
is done or the invocation's time runs short (consentmail/audience/bulk_import.py).

Partial batch failures: a failed message is redelivered and resumes from the checkpoint. On its
last delivery, its import is marked failed before the message goes to the dead-letter queue, so
its owner never waits on an import that will not finish."""

import json
from collections.abc import Callable

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from consentmail.audience.models import DELIVERY_ATTEMPTS, ImportMessage
from consentmail.composition import importer as services
from consentmail.core.clock import now
from consentmail.core.logs import get_logger

logger = get_logger()
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord, lambda_context: LambdaContext | None = None) -> None:
    def time_left() -> float:
        return lambda_context.get_remaining_time_in_millis() / 1000 if lambda_context else float("inf")

    imports = services.imports()
    body = json.loads(record.body)
    if body.get("Event") == "s3:TestEvent":
        return
    if "Records" in body:
        for upload in S3Event(body).records:
            if upload.event_name.startswith("ObjectCreated"):
                key = upload.s3.get_object.key
                _on_last_try(
                    record,
                    lambda key=key: imports.uploaded(key, now(), time_left),
                    lambda key=key: imports.give_up_upload(key, now()),
                )
        return
    message = ImportMessage.model_validate(body)
    _on_last_try(
        record,
        lambda: imports.run(message.account_id, message.import_id, now(), time_left),
        lambda: imports.give_up(message.account_id, message.import_id, now()),
    )


def _on_last_try(record: SQSRecord, work: Callable[[], object], give_up: Callable[[], None]) -> None:
    """Run `work`; when it fails on the message's last delivery, `give_up` first."""
    try:
        work()
    except Exception:
        if int(record.attributes.approximate_receive_count or 1) >= DELIVERY_ATTEMPTS:
            give_up()
        raise


@logger.inject_lambda_context(log_event=False)
def handler(event: dict, context: LambdaContext) -> dict:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
