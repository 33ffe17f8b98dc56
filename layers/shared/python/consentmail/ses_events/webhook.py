"""The SNS HTTP(S) endpoint's rules: verify first, then act on the message type.
Notification → process its SES event; SubscriptionConfirmation → confirm (only now, verified);
UnsubscribeConfirmation → nothing to do. Unverified → SnsRejected (403), unreachable
certificate or SubscribeURL → SnsUnavailable (5xx, SNS retries)."""

import json
from datetime import datetime

from aws_lambda_powertools import Logger

from consentmail.ses_events.processing import SesEventProcessor, parse_message
from consentmail.ses_events.sns_verify import (
    NOTIFICATION,
    SUBSCRIPTION_CONFIRMATION,
    SnsRejected,
    SnsVerifier,
)

logger = Logger(child=True)


class SesWebhook:
    def __init__(self, verifier: SnsVerifier, processor: SesEventProcessor | None = None):
        self.verifier = verifier
        self._processor = processor

    @property
    def processor(self) -> SesEventProcessor:
        if self._processor is None:
            self._processor = SesEventProcessor()
        return self._processor

    def handle(self, body: str, message_type: str | None, at: datetime) -> str:
        """What was done: "processed", "ignored", "confirmed" or "unsubscribed"."""
        try:
            message = json.loads(body or "")
        except (TypeError, ValueError) as error:
            raise SnsRejected("the body is not JSON") from error
        if message_type and isinstance(message, dict) and message.get("Type") != message_type:
            raise SnsRejected("x-amz-sns-message-type does not match the message")
        verified = self.verifier.verify(message, at)
        kind = verified["Type"]
        if kind == NOTIFICATION:
            event = parse_message(verified["Message"])
            if event is None:
                return "ignored"
            self.processor.process(event, at)
            return "processed"
        if kind == SUBSCRIPTION_CONFIRMATION:
            self.verifier.confirm_subscription(verified)
            logger.info("SNS subscription confirmed", extra={"topic_arn": verified["TopicArn"]})
            return "confirmed"
        logger.info("SNS subscription ended", extra={"topic_arn": verified["TopicArn"]})
        return "unsubscribed"
