"""The operator topic, and how every topic of the service is made: encrypted with the data stack's
key, which lets SES, CloudWatch and SNS use it for topics named `consentmail-…` only
(infra/constructs/key_users.py), hence the fixed names."""

from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

TOPIC_PREFIX = "consentmail-"
OPERATOR_TOPIC = TOPIC_PREFIX + "operator"


def encrypted_topic(
    scope: Construct, construct_id: str, *, name: str, key: kms.IKey, display_name: str
) -> sns.Topic:
    """An SNS topic named `name` (which must start with TOPIC_PREFIX), encrypted with `key`,
    HTTPS-only, signing with SHA256 (SignatureVersion 2)."""
    if not name.startswith(TOPIC_PREFIX):
        raise ValueError(f"topic {name!r}: the key lets AWS services use it for {TOPIC_PREFIX}* topics only")
    return sns.Topic(
        scope,
        construct_id,
        topic_name=name,
        display_name=display_name,
        master_key=key,
        enforce_ssl=True,
        signature_version="2",
    )


class Messaging(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, key: kms.IKey, alarm_email: str | None
    ) -> None:
        super().__init__(scope, construct_id)
        self.operator_topic = encrypted_topic(
            self,
            "OperatorTopic",
            name=OPERATOR_TOPIC,
            key=key,
            display_name="consentmail operator notifications",
        )
        if alarm_email:
            self.operator_topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
