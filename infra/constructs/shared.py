"""What every capability construct of the service stack is built from: the layers, the settings
environment, and the stateful and messaging resources it may be granted access to; and the one
way a capability makes a function of it: `ServiceResources.function`, given what the function
`Needs` (tables, secret, email, Cognito, queues, topics, actions on *) and the queue it
`Consumes`, grants exactly that with `grant_*` and acknowledges the wildcards those grants
imply."""

from dataclasses import dataclass, field

from aws_cdk import Duration
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from consentmail.core.routes import Function
from consentmail.core.tables import SCHEMAS, Table
from consentmail.store.list_counts import COUNT_KEY_MARKER
from infra.constructs.function import ServiceFunction
from infra.constructs.layers import Layers
from infra.constructs.mailing import Mailing
from infra.constructs.nag import acknowledge
from infra.constructs.queues import SendingQueues
from infra.constructs.tables import table_arn_pattern


@dataclass(frozen=True)
class Unrestricted:
    """Actions that have no resource-level permissions, granted on * (narrowed by `conditions`
    where the service offers one); `why` is the reason the nag acknowledgement gives."""

    actions: tuple[str, ...]
    why: str
    conditions: dict | None = None


@dataclass(frozen=True)
class Needs:
    """Everything a function may do, granted in this order: its tables (read and write, then read
    only, then append only: PutItem on the table itself and nothing else, then single reads only:
    GetItem on the table itself and nothing else, then counts only: UpdateItem on the table's
    count items and nothing else), Cognito actions on the user pool, sending to queues, the
    signing secret (keyed hashes, signed links), sending email, publishing to topics, and actions
    on *."""

    writes: tuple[Table, ...] = ()
    reads: tuple[Table, ...] = ()
    appends: tuple[Table, ...] = ()
    gets: tuple[Table, ...] = ()
    counts: tuple[Table, ...] = ()
    cognito: tuple[str, ...] = ()
    send_to: tuple[sqs.IQueue, ...] = ()
    secret: bool = False
    email: bool = False
    publish_to: tuple[sns.ITopic, ...] = ()
    unrestricted: tuple[Unrestricted, ...] = field(default=())


@dataclass(frozen=True)
class Consumes:
    """An SQS event source with partial batch responses: a failed message is retried alone."""

    queue: sqs.IQueue
    batch_size: int
    max_batching_window: Duration | None = None
    max_concurrency: int | None = None


@dataclass(frozen=True)
class ServiceResources:
    layers: Layers
    environment: dict[str, str]
    tables: dict[Table, dynamodb.ITable]
    secret: secretsmanager.ISecret
    user_pool: cognito.IUserPool
    mailing: Mailing
    queues: SendingQueues
    operator_topic: sns.ITopic
    # consentmail's one customer managed key (the data stack's): tables, secret, queues, topics,
    # the transfer bucket.
    key: kms.IKey

    def table(self, table: Table) -> dynamodb.ITable:
        return self.tables[table]

    def function(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function: Function,
        description: str,
        timeout: Duration,
        needs: Needs,
        consumes: Consumes | None = None,
        environment: dict[str, str] | None = None,
        memory_size: int = 512,
        reserved_concurrency: int | None = None,
    ) -> ServiceFunction:
        """A function of the service with the shared layers and settings (`environment` adds to
        them), granted exactly its `needs`, fed by the queue it `consumes`."""
        made = ServiceFunction(
            scope,
            construct_id,
            function=function,
            description=description,
            layers=self.layers,
            environment={**self.environment, **(environment or {})},
            timeout=timeout,
            memory_size=memory_size,
            reserved_concurrency=reserved_concurrency,
        )
        self.grant(made, needs)
        if consumes:
            made.function.add_event_source(
                sources.SqsEventSource(
                    consumes.queue,
                    batch_size=consumes.batch_size,
                    max_batching_window=consumes.max_batching_window,
                    report_batch_item_failures=True,
                    max_concurrency=consumes.max_concurrency,
                )
            )
        made.acknowledge_wildcards(also=" ".join(entry.why for entry in needs.unrestricted))
        return made

    def grant(self, function: ServiceFunction, needs: Needs) -> None:
        role = function.role
        self.read_write(function, *needs.writes)
        self.read(function, *needs.reads)
        self.append(function, *needs.appends)
        self.get(function, *needs.gets)
        self.count(function, *needs.counts)
        if needs.cognito:
            self.user_pool.grant(role, *needs.cognito)
        for queue in needs.send_to:
            queue.grant_send_messages(role)
        if needs.secret:
            self.secret.grant_read(role)
        if needs.email:
            self.mailing.grant_send(role)
        for topic in needs.publish_to:
            topic.grant_publish(role)
        for entry in needs.unrestricted:
            iam.Grant.add_to_principal(
                grantee=role, actions=list(entry.actions), resource_arns=["*"], conditions=entry.conditions
            )

    def read(self, function: ServiceFunction, *tables: Table) -> None:
        for table in tables:
            self.tables[table].grant_read_data(function.role)
            self._acknowledge_indexes(function, table)

    def append(self, function: ServiceFunction, *tables: Table) -> None:
        """PutItem on the table alone: Table.grant would add its indexes, which a put never needs,
        and no read, update or delete comes with it."""
        for table in tables:
            resource = self.tables[table]
            iam.Grant.add_to_principal(
                grantee=function.role, actions=["dynamodb:PutItem"], resource_arns=[resource.table_arn]
            )
            if resource.encryption_key:
                resource.encryption_key.grant_encrypt(function.role)

    def get(self, function: ServiceFunction, *tables: Table) -> None:
        """GetItem on the table alone (an erasure's tombstone, read by key): Table.grant_read_data
        would add queries, scans and the table's indexes."""
        for table in tables:
            resource = self.tables[table]
            iam.Grant.add_to_principal(
                grantee=function.role, actions=["dynamodb:GetItem"], resource_arns=[resource.table_arn]
            )
            if resource.encryption_key:
                resource.encryption_key.grant_decrypt(function.role)

    def count(self, function: ServiceFunction, *tables: Table) -> None:
        """UpdateItem on the table's count items alone (partition keys holding COUNT_KEY_MARKER: a
        list's contacts by status, moved by an atomic ADD with every contact write): no read, put
        or delete, and no other item of the table (the lists themselves stay read-only)."""
        for table in tables:
            resource = self.tables[table]
            iam.Grant.add_to_principal(
                grantee=function.role,
                actions=["dynamodb:UpdateItem"],
                resource_arns=[resource.table_arn],
                conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [f"*{COUNT_KEY_MARKER}*"]}},
            )
            if resource.encryption_key:
                resource.encryption_key.grant_encrypt_decrypt(function.role)

    def read_write(self, function: ServiceFunction, *tables: Table) -> None:
        for table in tables:
            self.tables[table].grant_read_write_data(function.role)
            self._acknowledge_indexes(function, table)

    @staticmethod
    def _acknowledge_indexes(function: ServiceFunction, table: Table) -> None:
        if not SCHEMAS[table].indexes:
            return
        indexes = ", ".join(index.name for index in SCHEMAS[table].indexes)
        acknowledge(
            function.policy,
            f"AwsSolutions-IAM5[Resource::{table_arn_pattern(function, table)}/index/*]",
            f"Queries the {table.value} table through its indexes ({indexes}); the wildcard covers "
            "only that table's indexes, as the grant on the table itself does.",
        )
