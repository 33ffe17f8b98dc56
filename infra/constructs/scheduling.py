"""Scheduled campaign sends: the EventBridge Scheduler group the accounts function puts one-time
schedules in, and the role the Scheduler assumes to deliver a schedule's message to the fan-out
queue (consentmail/adapters/scheduler.py makes the schedules).

Least privilege both ways: the Scheduler's role may only send to the fan-out queue (and use its
key), and only the Scheduler of this account may assume it; the accounts function may only create,
update and delete schedules of this group and pass this one role to the Scheduler."""

from aws_cdk import Aws, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.function import ServiceFunction
from infra.constructs.nag import acknowledge

GROUP_NAME = "consentmail-campaigns"


class CampaignScheduling(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, fanout_queue: sqs.IQueue) -> None:
        super().__init__(scope, construct_id)
        self.group = scheduler.ScheduleGroup(self, "Group", schedule_group_name=GROUP_NAME)
        self.role = iam.Role(
            self,
            "Role",
            description="EventBridge Scheduler: deliver a campaign's scheduled send to the fan-out queue",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                # Only schedules of this account (confused-deputy protection).
                conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}},
            ),
        )
        fanout_queue.grant_send_messages(self.role)
        self.fanout_queue = fanout_queue

    def environment(self) -> dict[str, str]:
        """The settings the accounts function's scheduler adapter reads (without the prefix)."""
        return {
            "FANOUT_QUEUE_ARN": self.fanout_queue.queue_arn,
            "SCHEDULE_GROUP": GROUP_NAME,
            "SCHEDULER_ROLE_ARN": self.role.role_arn,
        }

    def allow_managing(self, function: ServiceFunction) -> None:
        """Create, replace and delete the group's schedules, passing only this role."""
        self.group.grant_write_schedules(function.role)
        self.group.grant_delete_schedules(function.role)
        self.role.grant_pass_role(function.role)
        # cdk-nag names the finding with the ARN as synthesized: a stack with an explicit account or
        # region has them written in, otherwise they are pseudo-parameters.
        stack = Stack.of(self)
        region = "<AWS::Region>" if Token.is_unresolved(stack.region) else stack.region
        account = "<AWS::AccountId>" if Token.is_unresolved(stack.account) else stack.account
        acknowledge(
            function.policy,
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:{region}:{account}:"
            f"schedule/{GROUP_NAME}/*]",
            "A campaign's schedule is named after the campaign, created when its owner schedules it: "
            "the statement is limited to the schedules of consentmail's own group, no other group's.",
        )
        role_policy = self.role.node.try_find_child("DefaultPolicy")
        if role_policy is not None:
            for action in ("kms:GenerateDataKey*", "kms:ReEncrypt*"):
                acknowledge(
                    role_policy,
                    f"AwsSolutions-IAM5[Action::{action}]",
                    f"{action} comes from grant_send_messages on the KMS-encrypted fan-out queue: SQS "
                    "needs the data key operations on the one customer-managed key, named by its ARN.",
                )
