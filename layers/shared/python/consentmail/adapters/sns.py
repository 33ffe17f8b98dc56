"""The operator's SNS topic (alarms and notices): the only code here that publishes to SNS."""

from consentmail.adapters import aws_clients
from consentmail.core.settings import get_settings


class OperatorTopic:
    def __init__(self, sns=None, topic_arn: str | None = None):
        self._sns = sns
        self._topic_arn = topic_arn

    def notify(self, subject: str, message: str) -> None:
        """One message to whoever subscribed to the topic (the operator's alarm email)."""
        sns = self._sns or aws_clients.client("sns")
        sns.publish(
            TopicArn=self._topic_arn or get_settings().operator_topic_arn, Subject=subject, Message=message
        )
