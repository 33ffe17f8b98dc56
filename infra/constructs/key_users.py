"""The AWS services that may use consentmail's one customer managed key (the data stack's), and for
what. The service stack's queues, topics and transfer bucket are encrypted with that key too; its
functions are granted it through their own role policies (the key policy trusts the account's IAM),
but the services that write into those queues and topics on our behalf act as service principals,
which only a statement of the key policy itself can let in. The data stack cannot refer to the
service stack (it is deployed first, and a reference back would be a cycle), so each statement
names its source by the fixed names the service stack gives its resources:

    ses.amazonaws.com          SES publishing sending events to the SES events topic
    sns.amazonaws.com          SNS delivering the SES events topic to the SES events queue
    cloudwatch.amazonaws.com   CloudWatch publishing alarms to the operator topic
    s3.amazonaws.com           S3 sending the transfer bucket's upload events to the import queue

Each is limited to GenerateDataKey* and Decrypt, from this account (`aws:SourceAccount`) and
from consentmail's own resources of this region (`aws:SourceArn`): alarms and topics named
`consentmail-…`, the transfer bucket by its fixed name, SES resources of this account and region
(the configuration set `consentmail-events`).
tests/infra/test_infra_operations.py checks that every name the service stack gives matches."""

from aws_cdk import Aws, Fn
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from infra.constructs.messaging import TOPIC_PREFIX
from infra.constructs.monitoring import ALARM_PREFIX
from infra.constructs.transfers import BUCKET_PREFIX

KEY_ACTIONS = ["kms:GenerateDataKey*", "kms:Decrypt"]


def _arn(service: str, resource: str) -> str:
    return f"arn:{Aws.PARTITION}:{service}:{Aws.REGION}:{Aws.ACCOUNT_ID}:{resource}"


def key_users() -> dict[str, str]:
    """Service principal -> the source ARN (pattern) it may use the key for."""
    return {
        # SES publishes the configuration set's events (`CONFIGURATION_SET`, the only one that
        # names a topic of ours): any SES resource of this account and region, so the statement
        # holds whether SES gives the configuration set or the sending identity as the source.
        "ses.amazonaws.com": _arn("ses", "*"),
        "sns.amazonaws.com": _arn("sns", f"{TOPIC_PREFIX}*"),
        "cloudwatch.amazonaws.com": _arn("cloudwatch", f"alarm:{ALARM_PREFIX}*"),
        "s3.amazonaws.com": Fn.join(
            "", [f"arn:{Aws.PARTITION}:s3:::", Fn.join("-", [BUCKET_PREFIX, Aws.ACCOUNT_ID, Aws.REGION])]
        ),
    }


def allow_key_users(key: kms.Key) -> None:
    for service, source in key_users().items():
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid=f"{service.split('.')[0].capitalize()}ForConsentmail",
                principals=[iam.ServicePrincipal(service)],
                actions=KEY_ACTIONS,
                resources=["*"],
                conditions={
                    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
                    "ArnLike": {"aws:SourceArn": source},
                },
            )
        )
