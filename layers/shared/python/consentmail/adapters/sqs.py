"""The SQS queues we put messages on, behind one small adapter (the only code here that speaks
SQS): the send pipeline's fan-out queue (one message per campaign send) and send queue (batches of
contacts), and the large transfers' import queue (an import continuing in a new invocation; S3
itself puts each uploaded file's event there) and export queue (one message per export). The
messages' models belong to their contexts (sending/models.py, audience/bulk_models.py); this
adapter only serializes them."""

import json
import uuid

from botocore.exceptions import ClientError
from pydantic import BaseModel

from consentmail.adapters import aws_clients
from consentmail.core.errors import Retryable, Unavailable
from consentmail.core.settings import get_settings

_SQS_BATCH = 10  # SendMessageBatch's limit


class SendQueues:
    def __init__(self, sqs=None, fanout_url: str | None = None, send_url: str | None = None):
        self._sqs = sqs or aws_clients.client("sqs")
        settings = get_settings()
        self._fanout_url = fanout_url or settings.fanout_queue_url
        self._send_url = send_url or settings.send_queue_url

    def enqueue_fanout(self, message: BaseModel) -> None:
        # Optional fields left out: a message says only what its sender set.
        self._sqs.send_message(
            QueueUrl=self._fanout_url, MessageBody=message.model_dump_json(exclude_none=True)
        )

    def enqueue_batches(self, batches: list[BaseModel]) -> None:
        for start in range(0, len(batches), _SQS_BATCH):
            entries = [
                {"Id": uuid.uuid4().hex, "MessageBody": json.dumps(batch.model_dump())}
                for batch in batches[start : start + _SQS_BATCH]
            ]
            pending = entries
            for _ in range(5):
                response = self._sqs.send_message_batch(QueueUrl=self._send_url, Entries=pending)
                failed = {f["Id"] for f in response.get("Failed", [])}
                pending = [e for e in pending if e["Id"] in failed]
                if not pending:
                    break
            if pending:
                # The fan-out message is retried from its saved cursor; duplicates are harmless
                # (each contact's send marker is claimed once).
                raise Retryable(f"{len(pending)} send batches were not accepted by the queue")


class TransferQueues:
    def __init__(self, sqs=None, import_url: str | None = None, export_url: str | None = None):
        self._sqs = sqs or aws_clients.client("sqs")
        settings = get_settings()
        self._import_url = import_url or settings.import_queue_url
        self._export_url = export_url or settings.export_queue_url

    def continue_import(self, message: BaseModel) -> None:
        """Hand the rest of an import to a new invocation. Not accepted: Retryable (the message
        being processed is redelivered and resumes from the import's checkpoint)."""
        try:
            self._sqs.send_message(QueueUrl=self._import_url, MessageBody=message.model_dump_json())
        except ClientError as error:
            raise Retryable("the import queue did not accept the continuation") from error

    def request_export(self, message: BaseModel) -> None:
        """Queue an export. Not accepted: Unavailable (nothing was queued; ask again shortly)."""
        try:
            self._sqs.send_message(QueueUrl=self._export_url, MessageBody=message.model_dump_json())
        except ClientError as error:
            raise Unavailable("The export could not be queued; ask again in a moment.") from error
