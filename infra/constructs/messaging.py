"""The service's messaging key and the operator topic. The key encrypts the queues and topics of
the service stack; SES (publishing events) and CloudWatch (publishing alarms) may use it."""

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct


def encrypted_topic(scope: Construct, construct_id: str, *, key: kms.IKey, display_name: str) -> sns.Topic:
    """An SNS topic encrypted with `key`, HTTPS-only, signing with SHA256 (SignatureVersion 2)."""
    return sns.Topic(
        scope,
        construct_id,
        display_name=display_name,
        master_key=key,
        enforce_ssl=True,
        signature_version="2",
    )


class Messaging(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, alarm_email: str | None) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            description="consentmail queues and topics",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
        )
        # Services that publish into our encrypted topics and queues need the key (SES events,
        # CloudWatch alarms, SNS delivering to queues); scoped to this account's resources.
        for service in ("ses.amazonaws.com", "cloudwatch.amazonaws.com", "sns.amazonaws.com"):
            self.key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid=f"Publish{service.split('.')[0].capitalize()}",
                    principals=[iam.ServicePrincipal(service)],
                    actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                    resources=["*"],
                    conditions={"StringEquals": {"aws:SourceAccount": self.key.stack.account}},
                )
            )
        self.operator_topic = encrypted_topic(
            self, "OperatorTopic", key=self.key, display_name="consentmail operator notifications"
        )
        if alarm_email:
            self.operator_topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
