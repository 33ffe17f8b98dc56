"""Alarms to the operator topic: anything that lands in a dead-letter queue (a send, a fan-out or
an SES event given up on), a failing purge (retention not enforced), and server errors of the API."""

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct


class Monitoring(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, topic: sns.ITopic) -> None:
        super().__init__(scope, construct_id)
        self._action = actions.SnsAction(topic)

    def _alarm(self, construct_id: str, metric: cloudwatch.IMetric, description: str, threshold: float = 1):
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(self._action)
        return alarm

    def dead_letters(self, construct_id: str, queue: sqs.IQueue, what: str) -> None:
        self._alarm(
            construct_id,
            queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(5), statistic="Maximum"
            ),
            f"{what} given up after retries are waiting in a dead-letter queue",
        )

    def function_errors(self, construct_id: str, function: lambda_.IFunction, what: str) -> None:
        self._alarm(
            construct_id,
            function.metric_errors(period=Duration.hours(1), statistic="Sum"),
            f"{what} failed",
        )

    def server_errors(self, construct_id: str, metric: cloudwatch.IMetric) -> None:
        self._alarm(construct_id, metric, "the API answered 5xx errors", threshold=5)
