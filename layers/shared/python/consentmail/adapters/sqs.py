"""The two SQS queues of the send pipeline, behind one small adapter (the only code here that
speaks SQS): the fan-out queue takes one message per campaign send, the send queue batches of
contacts. The messages' models belong to the send pipeline (sending/models.py); this adapter only
serializes them."""

import json
import uuid

from pydantic import BaseModel

from consentmail.adapters import aws_clients
from consentmail.core.errors import Retryable
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
