"""The one Lambda function construct: every function of the service gets the same defaults from
here (arm64, Python 3.13, X-Ray, JSON logs into its own log group with retention, both layers,
the settings environment, a role of its own that holds only what its capability grants it).

X-Ray is active on every function but the hot paths (`PASS_THROUGH`): an open, a click, a send
batch or a batch of SES events happens once or more per email, and X-Ray's default rule would
record every one of them while they trickle in (its reservoir takes one a second before sampling
5%). They pass tracing through: traced only as part of a trace their caller's sampling started
(the sender's batches, within a traced fan-out); errors are still logged and alarmed on. The API
stage's sampling rule for the tracking routes is in infra/constructs/api.py."""

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from consentmail.core.routes import Function
from infra.constructs.layers import ARCHITECTURE, RUNTIME, Layers
from infra.constructs.nag import acknowledge
from infra.constructs.paths import function_build, function_folder
from tools.build_layer import CODE_ROOT, build_code

LOG_RETENTION = logs.RetentionDays.ONE_MONTH
# The hot paths: no trace of their own (see the module's docstring).
PASS_THROUGH = frozenset({Function.TRACKING, Function.SENDER, Function.SES_EVENTS})
POWERTOOLS_SERVICE = "consentmail"
METRICS_NAMESPACE = "consentmail"


class ServiceFunction(Construct):
    """A consentmail function: code from functions/<name>/, handler `handler.handler`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function: Function,
        description: str,
        layers: Layers,
        environment: dict[str, str],
        timeout: Duration,
        memory_size: int = 512,
        reserved_concurrency: int | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.name = function
        # An explicit log group (not the implicit /aws/lambda/… one) so that retention is ours and
        # the group goes when the stack goes.
        self.log_group = logs.LogGroup(
            self, "Logs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
        )
        # Our own role instead of the AWSLambdaBasicExecutionRole managed policy: it may write to
        # this function's log group only.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"consentmail {function.value} function",
        )
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            description=description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler="handler.handler",
            # functions/<name> copied with its bytecode (tools/build_layer.py).
            code=lambda_.Code.from_asset(
                str(build_code(function_folder(function), function_build(function), CODE_ROOT))
            ),
            layers=layers.all,
            role=self.role,
            timeout=timeout,
            memory_size=memory_size,
            reserved_concurrent_executions=reserved_concurrency,
            tracing=lambda_.Tracing.PASS_THROUGH if function in PASS_THROUGH else lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            log_group=self.log_group,
            environment={
                **environment,
                "POWERTOOLS_SERVICE_NAME": POWERTOOLS_SERVICE,
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "POWERTOOLS_METRICS_FUNCTION_NAME": function.value,
            },
        )
        acknowledge(
            self.function,
            "AwsSolutions-L1",
            "Python 3.13 is the runtime the dependency layer's compiled wheels are built for "
            "(tools/build_layer.py, cp313 aarch64); moving runtime means rebuilding and retesting the "
            "layer, done deliberately rather than whenever a newer runtime appears.",
        )

    @property
    def policy(self):
        """The role's default policy, where every grant lands (exists after the first grant)."""
        return self.role.node.find_child("DefaultPolicy")

    def acknowledge_wildcards(self, also: str = "") -> None:
        """Called after every grant, for the wildcards every function's policy holds. `also`
        explains any other action this role is granted on *."""
        acknowledge(
            self.policy,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray tracing (active, or passed through on the hot paths) needs xray:PutTraceSegments "
            "and xray:PutTelemetryRecords, which "
            "support no resource-level permissions (Resource must be *). " + also,
        )
        for action in ("kms:GenerateDataKey*", "kms:ReEncrypt*"):
            acknowledge(
                self.policy,
                f"AwsSolutions-IAM5[Action::{action}]",
                f"{action} comes from the grant_* methods of the KMS-encrypted tables, queues and secret "
                "this function uses: DynamoDB, SQS and Secrets Manager need the data key operations on "
                "the one customer-managed key, and the statement names that key's ARN only.",
            )
