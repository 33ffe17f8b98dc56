"""What every capability construct of the service stack is built from: the layers, the settings
environment, and the stateful and messaging resources it may be granted access to."""

from dataclasses import dataclass

from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns

from consentmail.core.tables import SCHEMAS, Table
from infra.constructs.function import ServiceFunction
from infra.constructs.layers import Layers
from infra.constructs.mailing import Mailing
from infra.constructs.nag import acknowledge
from infra.constructs.queues import SendingQueues
from infra.constructs.tables import table_arn_pattern


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
    # Encrypts the service stack's queues and topics.
    messaging_key: kms.IKey

    def table(self, table: Table) -> dynamodb.ITable:
        return self.tables[table]

    def read(self, function: ServiceFunction, *tables: Table) -> None:
        for table in tables:
            self.tables[table].grant_read_data(function.role)
            self._acknowledge_indexes(function, table)

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
