"""The campaign-sending queues: fan-out (one message per campaign send) and send (batches of
recipients), each with a dead-letter queue; encrypted, HTTPS-only, and with visibility timeouts
of at least six times their consumer's timeout so a message is never handed out twice while a
consumer still works on it."""

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from consentmail.core.routes import Function
from infra.timeouts import timeout_seconds

FANOUT_TIMEOUT = Duration.seconds(timeout_seconds(Function.FANOUT))
SENDER_TIMEOUT = Duration.seconds(timeout_seconds(Function.SENDER))
MAX_RECEIVES = 5
DLQ_RETENTION = Duration.days(6)  # under the 6-day promise on message content; messages hold ids only


def visibility_for(consumer_timeout: Duration) -> Duration:
    return Duration.seconds(6 * consumer_timeout.to_seconds())


def dead_letter_queue(scope: Construct, construct_id: str, key: kms.IKey) -> sqs.Queue:
    return sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=key,
        enforce_ssl=True,
        retention_period=DLQ_RETENTION,
    )


def work_queue(
    scope: Construct,
    construct_id: str,
    key: kms.IKey,
    consumer_timeout: Duration,
    max_receive_count: int = MAX_RECEIVES,
) -> tuple[sqs.Queue, sqs.Queue]:
    """A queue for a Lambda consumer and its dead-letter queue, after `max_receive_count` deliveries."""
    dead_letters = dead_letter_queue(scope, f"{construct_id}DeadLetters", key)
    queue = sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=key,
        enforce_ssl=True,
        visibility_timeout=visibility_for(consumer_timeout),
        dead_letter_queue=sqs.DeadLetterQueue(queue=dead_letters, max_receive_count=max_receive_count),
    )
    return queue, dead_letters


class SendingQueues(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.fanout, self.fanout_dlq = work_queue(self, "Fanout", key, FANOUT_TIMEOUT)
        self.send, self.send_dlq = work_queue(self, "Send", key, SENDER_TIMEOUT)
