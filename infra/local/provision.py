"""Creates in an AWS emulator (moto's server in local mode, `mock_aws` in tests) the resources the
CDK stacks create in AWS, from the same schema constants, and returns the settings environment
that points the functions at them."""

import json
from dataclasses import dataclass

import boto3

from consentmail.adapters.s3 import IMPORTS_PREFIX
from consentmail.core.retention import TRANSFER_FILES, TTL_ATTRIBUTE
from consentmail.core.routes import Function
from consentmail.core.signing_keys import new_secret_value
from consentmail.core.tables import SCHEMAS, TableSchema, attribute_definitions
from infra.timeouts import timeout_seconds

PREFIX = "consentmail"
SENDER_DOMAIN = "example.com"
SYSTEM_FROM = f"privacy@{SENDER_DOMAIN}"
CONFIGURATION_SET = f"{PREFIX}-events"
SIMULATOR_DOMAIN = "simulator.amazonses.com"
SCHEDULE_GROUP = f"{PREFIX}-campaigns"
TRANSFER_BUCKET = f"{PREFIX}-transfers"


@dataclass(frozen=True)
class Provisioned:
    environment: dict[str, str]
    table_names: list[str]
    user_pool_id: str
    user_pool_client_id: str
    ses_topic_arn: str


def table_name(schema: TableSchema) -> str:
    return f"{PREFIX}-{schema.table.value}"


def _key_schema(partition, sort) -> list[dict]:
    keys = [{"AttributeName": partition.name, "KeyType": "HASH"}]
    if sort:
        keys.append({"AttributeName": sort.name, "KeyType": "RANGE"})
    return keys


def create_table(dynamodb, schema: TableSchema) -> str:
    name = table_name(schema)
    kwargs: dict = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": _key_schema(schema.partition, schema.sort),
        "AttributeDefinitions": [
            {"AttributeName": key.name, "AttributeType": key.type} for key in attribute_definitions(schema)
        ],
    }
    if schema.indexes:
        kwargs["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index.name,
                "KeySchema": _key_schema(index.partition, index.sort),
                "Projection": {"ProjectionType": "KEYS_ONLY" if index.keys_only else "ALL"},
            }
            for index in schema.indexes
        ]
    dynamodb.create_table(**kwargs)
    dynamodb.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE}
    )
    return name


def provision(region: str, public_url: str, max_send_rate: float = 14.0) -> Provisioned:
    """Create everything; boto3 clients go wherever AWS_ENDPOINT_URL (or mock_aws) sends them."""
    dynamodb = boto3.client("dynamodb", region_name=region)
    names = {schema.env_var: create_table(dynamodb, schema) for schema in SCHEMAS.values()}

    secret = boto3.client("secretsmanager", region_name=region).create_secret(
        Name=f"{PREFIX}/signing-keys", SecretString=new_secret_value()
    )

    sqs = boto3.client("sqs", region_name=region)
    fanout = sqs.create_queue(QueueName=f"{PREFIX}-fanout")["QueueUrl"]
    send = sqs.create_queue(QueueName=f"{PREFIX}-send")["QueueUrl"]
    fanout_arn = sqs.get_queue_attributes(QueueUrl=fanout, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]

    # Large imports and exports: the bucket (its lifecycle rule, stored but not enforced by the
    # emulator: the purge deletes a day-old file anyway) and the two queues. The emulator delivers
    # the bucket's ObjectCreated events to the import queue as S3 does, so local mode's importer is
    # started by the upload itself, exactly as in AWS.
    transfers = create_transfers(region, sqs)

    # Scheduled sends: the group and the role the stack creates; the emulator stores schedules but
    # never fires them, local mode's schedule job does (infra/local/schedules.py).
    boto3.client("scheduler", region_name=region).create_schedule_group(Name=SCHEDULE_GROUP)
    scheduler_role = boto3.client("iam", region_name=region).create_role(
        RoleName=f"{PREFIX}-scheduler",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "scheduler.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]

    sns = boto3.client("sns", region_name=region)
    ses_topic = sns.create_topic(Name=f"{PREFIX}-ses-events")["TopicArn"]
    operator_topic = sns.create_topic(Name=f"{PREFIX}-operator")["TopicArn"]

    sesv2 = boto3.client("sesv2", region_name=region)
    sesv2.create_email_identity(EmailIdentity=SENDER_DOMAIN)
    ses = boto3.client("ses", region_name=region)
    ses.verify_domain_identity(Domain=SENDER_DOMAIN)
    ses.verify_email_identity(EmailAddress=SYSTEM_FROM)
    sesv2.create_configuration_set(ConfigurationSetName=CONFIGURATION_SET)

    cognito = boto3.client("cognito-idp", region_name=region)
    pool = cognito.create_user_pool(
        PoolName=f"{PREFIX}-accounts",
        UsernameAttributes=["email"],
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 8,
                "RequireNumbers": True,
                "RequireSymbols": True,
                "RequireUppercase": False,
                "RequireLowercase": False,
            }
        },
    )["UserPool"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName=f"{PREFIX}-api",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        GenerateSecret=False,
    )["UserPoolClient"]

    environment = {
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "CONSENTMAIL_PUBLIC_URL": public_url,
        "CONSENTMAIL_SIGNING_SECRET": secret["Name"],
        "CONSENTMAIL_SES_CONFIGURATION_SET": CONFIGURATION_SET,
        "CONSENTMAIL_SYSTEM_FROM": SYSTEM_FROM,
        "CONSENTMAIL_FANOUT_QUEUE_URL": fanout,
        "CONSENTMAIL_SEND_QUEUE_URL": send,
        "CONSENTMAIL_FANOUT_QUEUE_ARN": fanout_arn,
        "CONSENTMAIL_SCHEDULE_GROUP": SCHEDULE_GROUP,
        "CONSENTMAIL_SCHEDULER_ROLE_ARN": scheduler_role,
        "CONSENTMAIL_USER_POOL_ID": pool["Id"],
        "CONSENTMAIL_USER_POOL_CLIENT_ID": client["ClientId"],
        "CONSENTMAIL_MAX_SEND_RATE": str(max_send_rate),
        "CONSENTMAIL_SNS_TOPIC_ARNS": ses_topic,
        "CONSENTMAIL_SNS_REGIONS": region,
        "CONSENTMAIL_OPERATOR_TOPIC_ARN": operator_topic,
        **transfers,
        **names,
    }
    return Provisioned(environment, list(names.values()), pool["Id"], client["ClientId"], ses_topic)


def create_transfers(region: str, sqs) -> dict[str, str]:
    """The transfer bucket and the import and export queues; their settings."""

    def queue(name: str, function: Function) -> str:
        # As the stack's: six times the consumer's timeout, so a long chunk is not handed out twice.
        visibility = str(6 * timeout_seconds(function))
        return sqs.create_queue(QueueName=f"{PREFIX}-{name}", Attributes={"VisibilityTimeout": visibility})[
            "QueueUrl"
        ]

    imports = queue("import", Function.IMPORTER)
    exports = queue("export", Function.EXPORTER)
    import_arn = sqs.get_queue_attributes(QueueUrl=imports, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    s3 = boto3.client("s3", region_name=region)
    s3.create_bucket(Bucket=TRANSFER_BUCKET, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_public_access_block(
        Bucket=TRANSFER_BUCKET,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket=TRANSFER_BUCKET,
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "transfer-files",
                    "Status": "Enabled",
                    "Filter": {"Prefix": ""},
                    "Expiration": {"Days": TRANSFER_FILES.days},
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": TRANSFER_FILES.days},
                }
            ]
        },
    )
    s3.put_bucket_notification_configuration(
        Bucket=TRANSFER_BUCKET,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": import_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": IMPORTS_PREFIX}]}},
                }
            ]
        },
    )
    # S3 puts a test event on the queue when the notification is set: the importer ignores it,
    # but nobody needs to see it go by.
    sqs.purge_queue(QueueUrl=imports)
    return {
        "CONSENTMAIL_TRANSFER_BUCKET": TRANSFER_BUCKET,
        "CONSENTMAIL_IMPORT_QUEUE_URL": imports,
        "CONSENTMAIL_EXPORT_QUEUE_URL": exports,
    }
