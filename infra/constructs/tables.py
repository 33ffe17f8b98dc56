"""Every DynamoDB table of consentmail, built from `consentmail.core.tables.SCHEMAS` (the schema local
mode and the tests use too): on-demand, encrypted with the customer-managed key, TTL on
`expires_at`, the schema's indexes, and point-in-time recovery for exactly the schema's period."""

from aws_cdk import RemovalPolicy, Stack, Token
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

from consentmail.core.retention import TTL_ATTRIBUTE
from consentmail.core.tables import SCHEMAS, Key, Table, TableSchema
from infra.constructs.nag import acknowledge

_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}


def _attribute(key: Key | None) -> dynamodb.Attribute | None:
    return dynamodb.Attribute(name=key.name, type=_TYPES[key.type]) if key else None


def _recovery(schema: TableSchema) -> dynamodb.PointInTimeRecoverySpecification:
    if schema.recovery_days is None:
        return dynamodb.PointInTimeRecoverySpecification(point_in_time_recovery_enabled=False)
    return dynamodb.PointInTimeRecoverySpecification(
        point_in_time_recovery_enabled=True, recovery_period_in_days=schema.recovery_days
    )


def table_name(table: Table) -> str:
    """Fixed names (as local mode's): one consentmail per account and region, and the service stack
    refers to the tables by name rather than through cross-stack references."""
    return f"consentmail-{table.value}"


def table_arn_pattern(scope: Construct, table: Table) -> str:
    """The table's ARN as cdk-nag prints it in findings of `scope`'s stack: partition, region and
    account literally when the stack knows them, as <AWS::…> placeholders otherwise."""
    stack = Stack.of(scope)

    def known(value: str, placeholder: str) -> str:
        return placeholder if Token.is_unresolved(value) else value

    partition = known(stack.partition, "<AWS::Partition>")
    region = known(stack.region, "<AWS::Region>")
    account = known(stack.account, "<AWS::AccountId>")
    return f"arn:{partition}:dynamodb:{region}:{account}:table/{table_name(table)}"


class Tables(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.by_name: dict[Table, dynamodb.Table] = {}
        for schema in SCHEMAS.values():
            table = dynamodb.Table(
                self,
                schema.table.name.capitalize(),
                table_name=table_name(schema.table),
                partition_key=_attribute(schema.partition),
                sort_key=_attribute(schema.sort),
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
                encryption_key=key,
                time_to_live_attribute=TTL_ATTRIBUTE,
                point_in_time_recovery_specification=_recovery(schema),
                deletion_protection=True,
                removal_policy=RemovalPolicy.RETAIN,
            )
            for index in schema.indexes:
                table.add_global_secondary_index(
                    index_name=index.name,
                    partition_key=_attribute(index.partition),
                    sort_key=_attribute(index.sort),
                    projection_type=(
                        dynamodb.ProjectionType.KEYS_ONLY if index.keys_only else dynamodb.ProjectionType.ALL
                    ),
                )
            if schema.recovery_days is None:
                acknowledge(
                    table,
                    "AwsSolutions-DDB3",
                    f"No point-in-time recovery on the {schema.table.value} table on purpose: a backup "
                    "would keep deleted items past their retention deadline (message content 6 days, "
                    "event data 13 months), breaking the promise the table exists to keep.",
                )
            self.by_name[schema.table] = table

    def __getitem__(self, table: Table) -> dynamodb.Table:
        return self.by_name[table]
