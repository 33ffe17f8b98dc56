"""Alarms, all to the one operator topic (KMS-encrypted, HTTPS-only, with the optional
`alarm_email` subscription), and the API's execution log group with its retention.

    consentmail-<function>-errors      a function failed (unhandled error or timeout)   Sum >= 1 in 5 min
    consentmail-<function>-throttles   a function was throttled                         Sum >= 1 in 5 min
    consentmail-<queue>-dlq            a message is waiting in a dead-letter queue      Max >= 1 in 5 min
    consentmail-api-5xx                the API answered server errors                   Sum >= 5 in 5 min
    consentmail-ses-bounce-rate        the account's SES bounce rate                    Max >= 5 % in 1 h
    consentmail-ses-complaint-rate     the account's SES complaint rate                 Max >= 0.1 % in 1 h
    consentmail-late-deletion          a deletion came after its deadline (receipts)    Max >= 1 s in 1 h
    consentmail-campaign-failures      a campaign's recipients were counted `failed`    Sum >= 1 in 5 min

The SES thresholds are the rates at which Amazon SES puts a sending account under review (it
may pause sending at 10 % and 0.5 %). `Reputation.BounceRate` and `Reputation.ComplaintRate`
are account-wide fractions SES publishes itself; they move slowly, hence the hour. The runbook
for each alarm is in docs/architecture.md."""

from collections.abc import Iterable

from aws_cdk import Duration, Fn, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from consentmail.core.metrics import CAMPAIGN_RECIPIENTS_FAILED
from consentmail.core.routes import Function
from infra.constructs.api import STAGE, PublicApi
from infra.constructs.function import LOG_RETENTION, METRICS_NAMESPACE, POWERTOOLS_SERVICE, ServiceFunction

ALARM_PREFIX = "consentmail-"
PERIOD = Duration.minutes(5)
ERRORS_THRESHOLD = 1
THROTTLES_THRESHOLD = 1
DEAD_LETTERS_THRESHOLD = 1
API_5XX_THRESHOLD = 5
SES_PERIOD = Duration.hours(1)
BOUNCE_RATE_THRESHOLD = 0.05
COMPLAINT_RATE_THRESHOLD = 0.001
# The purge runs hourly; lateness is in whole seconds, so 1 s or more is any lateness at all.
LATE_DELETION_PERIOD = Duration.hours(1)
LATE_DELETION_THRESHOLD = 1


class Monitoring(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, topic: sns.ITopic) -> None:
        super().__init__(scope, construct_id)
        self._action = actions.SnsAction(topic)
        self.alarms: dict[str, cloudwatch.Alarm] = {}

    def _alarm(
        self, name: str, metric: cloudwatch.IMetric, threshold: float, description: str
    ) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            "".join(part.capitalize() for part in name.replace("_", "-").split("-")),
            alarm_name=ALARM_PREFIX + name,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            # No data is good news here: no invocations, no dead letters, no sends.
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description + " (runbook: docs/architecture.md)",
        )
        alarm.add_alarm_action(self._action)
        self.alarms[ALARM_PREFIX + name] = alarm
        return alarm

    def functions(self, functions: Iterable[ServiceFunction]) -> None:
        """Errors and throttles of every function of the service; refuses to leave one out."""
        functions = list(functions)
        missing = set(Function) - {function.name for function in functions}
        if missing:
            raise ValueError(f"functions without alarms: {sorted(f.value for f in missing)}")
        for function in functions:
            name = function.name.value.replace("_", "-")
            self._alarm(
                f"{name}-errors",
                function.function.metric_errors(period=PERIOD, statistic="Sum"),
                ERRORS_THRESHOLD,
                f"The {function.name.value} function failed (an unhandled error or a timeout)",
            )
            self._alarm(
                f"{name}-throttles",
                function.function.metric_throttles(period=PERIOD, statistic="Sum"),
                THROTTLES_THRESHOLD,
                f"The {function.name.value} function was throttled (reserved or account concurrency)",
            )

    def dead_letters(self, name: str, queue: sqs.IQueue, what: str) -> None:
        self._alarm(
            f"{name}-dlq",
            queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
            DEAD_LETTERS_THRESHOLD,
            f"{what} given up after retries are waiting in the {name} dead-letter queue",
        )

    def api(self, api: PublicApi) -> logs.LogGroup:
        """Server errors of the API, and the execution log group API Gateway would otherwise
        create itself on first use, with no retention at all."""
        self._alarm(
            "api-5xx",
            api.rest_api.metric_server_error(period=PERIOD, statistic="Sum"),
            API_5XX_THRESHOLD,
            "The API answered 5xx server errors",
        )
        execution_logs = logs.LogGroup(
            self,
            "ApiExecutionLogs",
            log_group_name=Fn.join("", ["API-Gateway-Execution-Logs_", api.rest_api.rest_api_id, "/", STAGE]),
            retention=LOG_RETENTION,
            removal_policy=RemovalPolicy.DESTROY,
        )
        # Created before the stage turns execution logging on, so API Gateway finds it there.
        api.stage.node.add_dependency(execution_logs)
        return execution_logs

    def late_deletions(self) -> None:
        """The purge's `LateDeletionSeconds`: the lateness of the latest deletion of a run, as its
        deletion receipts record it. Anything above 0 means a retention promise was missed."""
        self._alarm(
            "late-deletion",
            cloudwatch.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name="LateDeletionSeconds",
                # Powertools Metrics adds the service name as a dimension to every metric.
                dimensions_map={"service": POWERTOOLS_SERVICE},
                statistic="Maximum",
                period=LATE_DELETION_PERIOD,
            ),
            LATE_DELETION_THRESHOLD,
            "A deletion came after its retention deadline; the run's receipts say which kind and account",
        )

    def ses_reputation(self) -> None:
        for name, metric_name, threshold, what in (
            ("ses-bounce-rate", "Reputation.BounceRate", BOUNCE_RATE_THRESHOLD, "bounce rate reached 5 %"),
            (
                "ses-complaint-rate",
                "Reputation.ComplaintRate",
                COMPLAINT_RATE_THRESHOLD,
                "complaint rate reached 0.1 %",
            ),
        ):
            self._alarm(
                name,
                cloudwatch.Metric(
                    namespace="AWS/SES", metric_name=metric_name, statistic="Maximum", period=SES_PERIOD
                ),
                threshold,
                f"The account's SES {what}, the rate at which SES reviews the account",
            )

    def campaign_failures(self) -> None:
        """The sender's count of recipients whose email could not be built or that SES refused
        (Powertools Metrics, with its `service` dimension): the stats say how many and why, the
        alarm makes sure someone looks."""
        self._alarm(
            "campaign-failures",
            cloudwatch.Metric(
                namespace=METRICS_NAMESPACE,
                metric_name=CAMPAIGN_RECIPIENTS_FAILED,
                dimensions_map={"service": POWERTOOLS_SERVICE},
                statistic="Sum",
                period=PERIOD,
            ),
            1,
            "A campaign's recipients were counted failed (email not built or refused by SES); the "
            "campaign's stats list the reasons",
        )
