"""The hourly purge: deletes what has passed its retention deadline before DynamoDB's TTL gets to
it, carries out closed accounts' deletion and tells the operator of subject requests near due."""

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from constructs import Construct

from consentmail.core.retention import PURGE_INTERVAL
from consentmail.core.routes import Function
from consentmail.core.tables import SCHEMAS
from infra.constructs.function import METRICS_NAMESPACE, ServiceFunction
from infra.constructs.shared import ServiceResources
from infra.timeouts import timeout_seconds

SCHEDULE = events.Schedule.rate(Duration.seconds(int(PURGE_INTERVAL.total_seconds())))


class Purge(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, shared: ServiceResources) -> None:
        super().__init__(scope, construct_id)
        self.purge = ServiceFunction(
            self,
            "Handler",
            function=Function.PURGE,
            description="Hourly retention purge, account closure, subject-request deadlines",
            layers=shared.layers,
            environment=shared.environment,
            timeout=Duration.seconds(timeout_seconds(Function.PURGE)),
            # One purge at a time: a late run never races the next hour's.
            reserved_concurrency=1,
        )
        role = self.purge.role
        shared.read_write(self.purge, *(schema.table for schema in SCHEMAS.values()))
        shared.user_pool.grant(role, "cognito-idp:AdminDeleteUser")
        # A closed account's holder leaves the suppression and consent tables by keyed hash.
        shared.secret.grant_read(role)
        shared.operator_topic.grant_publish(role)
        iam.Grant.add_to_principal(
            grantee=role,
            actions=["cloudwatch:PutMetricData"],
            resource_arns=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": METRICS_NAMESPACE}},
        )
        self.purge.acknowledge_wildcards(
            also="cloudwatch:PutMetricData has no resource-level permissions either; it is limited to "
            f"the {METRICS_NAMESPACE} namespace by a cloudwatch:namespace condition."
        )
        self.rule = events.Rule(
            self,
            "Hourly",
            description="consentmail retention purge",
            schedule=SCHEDULE,
            targets=[targets.LambdaFunction(self.purge.function, retry_attempts=2)],
        )
