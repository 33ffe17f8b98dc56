"""Background workers standing in for Lambda's event source mappings and the EventBridge
schedule: SQS pollers that call the fanout and sender functions with the SQS event shape and
honour partial batch responses, and a timer that runs the purge with a scheduled event."""

import base64
import logging
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3

from consentmail.core.routes import Function
from infra.local.invoke import ACCOUNT_ID, MissingFunction

logger = logging.getLogger(__name__)

Invoke = Callable[[Function, dict], Any]
BATCH_SIZE = 10
WAIT_SECONDS = 1


def _message_attributes(attributes: dict) -> dict:
    """SQS API message attributes → the Lambda event's camelCase shape."""
    shaped = {}
    for name, value in (attributes or {}).items():
        binary = value.get("BinaryValue")
        shaped[name] = {
            "stringValue": value.get("StringValue"),
            "binaryValue": base64.b64encode(binary).decode() if isinstance(binary, bytes) else binary,
            "stringListValues": value.get("StringListValues", []),
            "binaryListValues": value.get("BinaryListValues", []),
            "dataType": value.get("DataType", "String"),
        }
    return shaped


def sqs_event(messages: list[dict], queue_arn: str, region: str) -> dict:
    """The event Lambda's SQS event source mapping invokes a function with."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": dict(message.get("Attributes") or {}),
                "messageAttributes": _message_attributes(message.get("MessageAttributes")),
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for message in messages
        ]
    }


def failed_ids(result: Any, records: list[dict]) -> set[str]:
    """The message ids a partial batch response reports as failed (all of them if it is malformed)."""
    if result is None:
        return set()
    if not isinstance(result, dict):
        return {record["messageId"] for record in records}
    failures = result.get("batchItemFailures") or []
    try:
        return {failure["itemIdentifier"] for failure in failures}
    except (KeyError, TypeError):
        return {record["messageId"] for record in records}


class StoppableLoop:
    """A daemon thread that runs `step` again and again, every `interval` seconds (0: at once),
    until `stop()`. A step that raises is logged and retried after `retry_pause` seconds: a
    worker standing in for an AWS event source never dies of one bad round."""

    def __init__(self, name: str, step: Callable[[], Any], interval: float = 0, retry_pause: float = 2):
        self.name = name
        self.step = step
        self.interval = interval
        self.retry_pause = retry_pause
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15, wake: Callable[[], None] | None = None) -> None:
        """Stop after the current step; `wake` unblocks a step that waits on something else."""
        self.request_stop(wake)
        if self._thread:
            self._thread.join(timeout)
            self._thread = None

    def request_stop(self, wake: Callable[[], None] | None = None) -> None:
        """Ask the loop to end after its current step, without waiting for it: loops asked
        together end together (a queue worker's step is a long poll of up to WAIT_SECONDS)."""
        self._stop.set()
        if wake is not None:
            wake()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.step()
            except Exception:
                logger.exception("%s: the step failed; retrying", self.name)
                self._stop.wait(self.retry_pause)


class QueueWorker:
    """Long-polls one queue and hands each batch to a function; deletes what succeeded."""

    def __init__(
        self, function: Function, queue_url: str, region: str, invoke: Invoke, batch_size: int = BATCH_SIZE
    ):
        self.function = function
        self.batch_size = batch_size
        self.queue_url = queue_url
        self.region = region
        self.invoke = invoke
        self._loop = StoppableLoop(f"worker-{function.value}", self.poll_once)
        self._sqs = None
        self._queue_arn = ""
        self._warned_missing = False

    def connect(self) -> None:
        """Create the SQS client and look up the queue's ARN (the event's eventSourceARN)."""
        self._sqs = boto3.client("sqs", region_name=self.region)
        attributes = self._sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])
        self._queue_arn = attributes["Attributes"]["QueueArn"]

    def start(self) -> None:
        self.connect()
        self._loop.start()

    def stop(self, timeout: float = 15) -> None:
        self._loop.stop(timeout)

    def request_stop(self) -> None:
        self._loop.request_stop()

    def poll_once(self) -> int:
        """Receive one batch and process it; returns how many messages were received."""
        response = self._sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=WAIT_SECONDS,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        if messages:
            self.process(messages)
        return len(messages)

    def process(self, messages: list[dict]) -> None:
        event = sqs_event(messages, self._queue_arn, self.region)
        try:
            result = self.invoke(self.function, event)
        except MissingFunction as error:
            # The messages stay in the queue and come back after their visibility timeout.
            if not self._warned_missing:
                logger.error("worker %s: %s; messages stay queued", self.function.value, error)
                self._warned_missing = True
            return
        except Exception:
            # As Lambda: a failed invocation leaves the whole batch for redelivery.
            logger.exception(
                "worker %s: the function failed; the batch will be redelivered", self.function.value
            )
            return
        self._warned_missing = False
        failed = failed_ids(result, event["Records"])
        done = [
            {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
            for index, message in enumerate(messages)
            if message["MessageId"] not in failed
        ]
        if done:
            self._sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=done)
        if failed:
            logger.warning("worker %s: %d message(s) left for redelivery", self.function.value, len(failed))


def scheduled_event(at: datetime | str, region: str, rule: str = "consentmail-purge") -> dict:
    """The event an EventBridge schedule invokes a function with; `time` is the scheduled time."""
    time = at if isinstance(at, str) else at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": time,
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT_ID}:rule/{rule}"],
        "detail": {},
    }


class PurgeTimer:
    """Runs the purge every `interval` seconds (the first run one interval after start)."""

    def __init__(self, region: str, invoke: Invoke, interval: float = 3600):
        self.region = region
        self.invoke = invoke
        self.interval = interval
        self._loop = StoppableLoop("purge-timer", self.run_once, interval=interval, retry_pause=0)

    def start(self) -> None:
        self._loop.start()

    def stop(self, timeout: float = 15) -> None:
        self._loop.stop(timeout)

    def request_stop(self) -> None:
        self._loop.request_stop()

    def run_once(self) -> None:
        try:
            result = self.invoke(Function.PURGE, scheduled_event(datetime.now(UTC), self.region))
            logger.info("purge: %s", result)
        except MissingFunction as error:
            logger.error("purge: %s", error)
        except Exception:
            logger.exception("purge: the function failed")
