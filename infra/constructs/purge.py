"""The hourly purge: deletes what has passed its retention deadline before DynamoDB's TTL gets to
it, carries out closed accounts' deletion and tells the operator of subject requests near due."""

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from constructs import Construct

from consentmail.core.retention import PURGE_INTERVAL
from consentmail.core.routes import Function
from consentmail.core.tables import SCHEMAS
from infra.constructs.function import METRICS_NAMESPACE
from infra.constructs.shared import Needs, ServiceResources, Unrestricted
from infra.timeouts import timeout_seconds

SCHEDULE = events.Schedule.rate(Duration.seconds(int(PURGE_INTERVAL.total_seconds())))


class Purge(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, shared: ServiceResources) -> None:
        super().__init__(scope, construct_id)
        self.purge = shared.function(
            self,
            "Handler",
            function=Function.PURGE,
            description="Hourly retention purge, account closure, subject-request deadlines",
            timeout=Duration.seconds(timeout_seconds(Function.PURGE)),
            # One purge at a time: a late run never races the next hour's.
            reserved_concurrency=1,
            needs=Needs(
                writes=tuple(schema.table for schema in SCHEMAS.values()),
                cognito=("cognito-idp:AdminDeleteUser",),
                # A closed account's holder leaves the suppression and consent tables by keyed hash.
                secret=True,
                publish_to=(shared.operator_topic,),
                unrestricted=(
                    Unrestricted(
                        ("cloudwatch:PutMetricData",),
                        why="cloudwatch:PutMetricData has no resource-level permissions either; it is "
                        f"limited to the {METRICS_NAMESPACE} namespace by a cloudwatch:namespace condition.",
                        conditions={"StringEquals": {"cloudwatch:namespace": METRICS_NAMESPACE}},
                    ),
                ),
            ),
        )
        self.rule = events.Rule(
            self,
            "Hourly",
            description="consentmail retention purge",
            schedule=SCHEDULE,
            targets=[targets.LambdaFunction(self.purge.function, retry_attempts=2)],
        )
