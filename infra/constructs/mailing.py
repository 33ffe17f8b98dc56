"""Sending through SES: the sender domain's identity, the configuration set every message goes
through (account-level suppression of bounces and complaints, reputation metrics) and its event
destination, an encrypted SNS topic that receives every sending event."""

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_ses as ses
from constructs import Construct

from consentmail.ses_events.published import PUBLISHED_EVENT_TYPES
from infra.constructs.messaging import TOPIC_PREFIX, encrypted_topic

CONFIGURATION_SET = "consentmail-events"
SES_EVENTS_TOPIC = TOPIC_PREFIX + "ses-events"
_CDK_EVENT = {
    "Send": ses.EmailSendingEvent.SEND,
    "Delivery": ses.EmailSendingEvent.DELIVERY,
    "Bounce": ses.EmailSendingEvent.BOUNCE,
    "Complaint": ses.EmailSendingEvent.COMPLAINT,
    "Reject": ses.EmailSendingEvent.REJECT,
    "DeliveryDelay": ses.EmailSendingEvent.DELIVERY_DELAY,
    "Rendering Failure": ses.EmailSendingEvent.RENDERING_FAILURE,
}
EVENTS = [_CDK_EVENT[name] for name in PUBLISHED_EVENT_TYPES]


class Mailing(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, sender_domain: str, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.events_topic = encrypted_topic(
            self, "SesEventsTopic", name=SES_EVENTS_TOPIC, key=key, display_name="consentmail SES events"
        )
        self.configuration_set = ses.ConfigurationSet(
            self,
            "ConfigurationSet",
            configuration_set_name=CONFIGURATION_SET,
            suppression_reasons=ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
            reputation_metrics=True,
            sending_enabled=True,
            tls_policy=ses.ConfigurationSetTlsPolicy.REQUIRE,
        )
        self.event_destination = ses.ConfigurationSetEventDestination(
            self,
            "SnsDestination",
            configuration_set=self.configuration_set,
            destination=ses.EventDestination.sns_topic(self.events_topic),
            events=EVENTS,
        )
        self.identity = ses.EmailIdentity(
            self,
            "Identity",
            identity=ses.Identity.domain(sender_domain),
            configuration_set=self.configuration_set,
        )
        stack = Stack.of(self)
        self.identity_arn = stack.format_arn(service="ses", resource="identity", resource_name=sender_domain)
        self.configuration_set_arn = stack.format_arn(
            service="ses", resource="configuration-set", resource_name=CONFIGURATION_SET
        )

    def grant_send(self, grantee: iam.IGrantable) -> iam.Grant:
        """Send email from the sender domain's identity through the configuration set, nothing else."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["ses:SendEmail", "ses:SendRawEmail"],
            resource_arns=[self.identity_arn, self.configuration_set_arn],
        )
