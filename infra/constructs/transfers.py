"""Large imports and exports of a list's contacts (consentmail/audience/bulk_*.py): the transfer
bucket their files pass through, the import and export queues, and the importer and exporter
functions.

The bucket holds personal data for at most a day: private (all public access blocked, objects
owned by the bucket), encrypted with consentmail's one customer managed key (the data stack's,
rotated; S3 bucket keys keep the KMS requests few), TLS only, every file expiring after a day by
lifecycle (and an upload left half done too); the importer deletes an upload once imported, and
the purge any file a day old. Its CORS rule lets the console's origin (the API's, where the
console is served) PUT an import and GET an export with their presigned URLs, and nothing else.

An upload's `ObjectCreated` event under `imports/` goes straight to the import queue, set on the
bucket itself (CloudFormation's NotificationConfiguration): CDK's `add_event_notification` would
add a Lambda function of its own to the stack to set it. The bucket has a fixed name
(`consentmail-transfers-<account>-<region>`), so the queue policy (S3 may send from this bucket of
this account only) and the key policy (S3 may use the key for this bucket only,
infra/constructs/key_users.py) name it without depending on it, and the bucket is created after
the queue policy, as S3 checks the queue accepts it.

Least privilege: the accounts function may only presign PutObject under `imports/` and GetObject
under `exports/` (and use the key for that), and queue exports; the importer reads and deletes
under `imports/`; the exporter writes under `exports/`; the purge lists both prefixes and deletes
under them."""

from urllib.parse import urlsplit

from aws_cdk import Aws, Duration, Fn, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from consentmail.adapters.s3 import EXPORTS_PREFIX, IMPORTS_PREFIX
from consentmail.audience.models import DELIVERY_ATTEMPTS
from consentmail.core.retention import TRANSFER_FILES
from consentmail.core.routes import Function
from consentmail.core.tables import Table as T
from infra.constructs.function import ServiceFunction
from infra.constructs.nag import acknowledge
from infra.constructs.queues import work_queue
from infra.constructs.shared import Consumes, Needs, ServiceResources
from infra.timeouts import timeout_seconds

BUCKET_PREFIX = "consentmail-transfers"
IMPORTER_TIMEOUT = Duration.seconds(timeout_seconds(Function.IMPORTER))
EXPORTER_TIMEOUT = Duration.seconds(timeout_seconds(Function.EXPORTER))
# Imports (and exports) running at once across every account: each is sequential, chunk after
# chunk; more wait in their queue. Two keep the tables' write rate for imports moderate.
IMPORTER_CONCURRENCY = 2
EXPORTER_CONCURRENCY = 2
CORS_MAX_AGE = Duration.hours(1)


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL known at synthesis."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class Transfers(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey, console_origin: str) -> None:
        super().__init__(scope, construct_id)
        self.key = key
        self.bucket_name = Fn.join("-", [BUCKET_PREFIX, Aws.ACCOUNT_ID, Aws.REGION])
        self.bucket_arn = f"arn:{Aws.PARTITION}:s3:::{self.bucket_name}"
        self.imports, self.import_dlq = work_queue(
            self, "ImportQueue", self.key, IMPORTER_TIMEOUT, max_receive_count=DELIVERY_ATTEMPTS
        )
        self.exports, self.export_dlq = work_queue(
            self, "ExportQueue", self.key, EXPORTER_TIMEOUT, max_receive_count=DELIVERY_ATTEMPTS
        )
        from_this_bucket = {
            "ArnLike": {"aws:SourceArn": self.bucket_arn},
            "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
        }
        self.imports.add_to_resource_policy(
            iam.PolicyStatement(
                sid="UploadsFromTheTransferBucket",
                principals=[iam.ServicePrincipal("s3.amazonaws.com")],
                actions=["sqs:SendMessage"],
                resources=[self.imports.queue_arn],
                conditions=from_this_bucket,
            )
        )
        self.bucket = self._bucket(console_origin)
        self.importer: ServiceFunction | None = None
        self.exporter: ServiceFunction | None = None

    def environment(self) -> dict[str, str]:
        """The settings the functions read (consentmail.core.settings, without the prefix)."""
        return {
            "TRANSFER_BUCKET": self.bucket_name,
            "IMPORT_QUEUE_URL": self.imports.queue_url,
            "EXPORT_QUEUE_URL": self.exports.queue_url,
        }

    def _bucket(self, console_origin: str) -> s3.Bucket:
        bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=self.bucket_name,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="transfer-files",
                    expiration=Duration.days(TRANSFER_FILES.days),
                    abort_incomplete_multipart_upload_after=Duration.days(TRANSFER_FILES.days),
                )
            ],
            cors=[
                s3.CorsRule(
                    allowed_origins=[console_origin],
                    allowed_methods=[s3.HttpMethods.PUT, s3.HttpMethods.GET],
                    allowed_headers=["Content-Type"],
                    max_age=int(CORS_MAX_AGE.to_seconds()),
                )
            ],
            # Files live a day; a bucket still holding some cannot be deleted by CloudFormation.
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            bucket,
            "AwsSolutions-S1",
            "No server access logs: they would be a second, longer-lived record of every file's key "
            "and requester IP in another bucket, for files that live a day. Every upload and download "
            "is authorized by the API, whose access log records each import and export created and "
            "each status read (account, time, status); CloudTrail data events can be turned on by "
            "the operator for an investigation.",
        )
        cfn = bucket.node.default_child
        cfn.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
            queue_configurations=[
                s3.CfnBucket.QueueConfigurationProperty(
                    event="s3:ObjectCreated:*",
                    queue=self.imports.queue_arn,
                    filter=s3.CfnBucket.NotificationFilterProperty(
                        s3_key=s3.CfnBucket.S3KeyFilterProperty(
                            rules=[s3.CfnBucket.FilterRuleProperty(name="prefix", value=IMPORTS_PREFIX)]
                        )
                    ),
                )
            ]
        )
        # S3 tests the destination when the notification is set: the queue must accept it by then.
        cfn.add_resource_dependency(self.imports.node.find_child("Policy").node.default_child)
        return bucket

    def objects(self, prefix: str) -> str:
        return f"{self.bucket_arn}/{prefix}*"

    def _allow(self, function: ServiceFunction, actions: list[str], prefixes: tuple[str, ...]) -> None:
        iam.Grant.add_to_principal(
            grantee=function.role, actions=actions, resource_arns=[self.objects(p) for p in prefixes]
        )
        for prefix in prefixes:
            acknowledge(
                function.policy,
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::{BUCKET_PREFIX}-<AWS::AccountId>-"
                f"<AWS::Region>/{prefix}*]",
                f"{', '.join(actions)} on the transfer bucket's {prefix} files only: their keys are made "
                "per account and per import or export when one starts, so no narrower resource exists "
                "at deployment.",
            )

    def workers(self, shared: ServiceResources) -> tuple[ServiceFunction, ServiceFunction]:
        self.importer = shared.function(
            self,
            "Importer",
            function=Function.IMPORTER,
            description="Large contact imports, chunk by chunk, from the transfer bucket",
            timeout=IMPORTER_TIMEOUT,
            # Parsing CSV is CPU work, and Lambda gives CPU with memory.
            memory_size=1024,
            reserved_concurrency=IMPORTER_CONCURRENCY,
            needs=Needs(
                # The import's status (accounts), its contacts and their ledger entries.
                writes=(T.ACCOUNTS, T.CONTACTS, T.CONSENT),
                reads=(T.LISTS, T.SUPPRESSION),
                # Each chunk's contacts join the list's counts, with the chunk's checkpoint.
                counts=(T.LISTS,),
                # An import that runs out of time continues in a new message.
                send_to=(self.imports,),
                # Addresses become keyed hashes.
                secret=True,
            ),
            consumes=Consumes(self.imports, batch_size=1, max_concurrency=IMPORTER_CONCURRENCY),
        )
        self._allow(self.importer, ["s3:GetObject", "s3:DeleteObject"], (IMPORTS_PREFIX,))
        self.key.grant_decrypt(self.importer.role)
        self.exporter = shared.function(
            self,
            "Exporter",
            function=Function.EXPORTER,
            description="Large contact exports, streamed into the transfer bucket",
            timeout=EXPORTER_TIMEOUT,
            # Turning contacts into CSV or JSON is CPU work too.
            memory_size=1024,
            reserved_concurrency=EXPORTER_CONCURRENCY,
            needs=Needs(writes=(T.ACCOUNTS,), reads=(T.LISTS, T.CONTACTS)),
            consumes=Consumes(self.exports, batch_size=1, max_concurrency=EXPORTER_CONCURRENCY),
        )
        # PutObject covers a multipart upload's create, parts and completion; abort is its own.
        self._allow(self.exporter, ["s3:PutObject", "s3:AbortMultipartUpload"], (EXPORTS_PREFIX,))
        # A multipart upload of an SSE-KMS object needs both.
        self.key.grant(self.exporter.role, "kms:GenerateDataKey", "kms:Decrypt")
        return self.importer, self.exporter

    def allow_requests(self, accounts: ServiceFunction) -> None:
        """The accounts function presigns an import's upload and an export's download (the URL
        carries its permissions: S3 checks them, and KMS, when the URL is used) and queues exports."""
        self._allow(accounts, ["s3:PutObject"], (IMPORTS_PREFIX,))
        self._allow(accounts, ["s3:GetObject"], (EXPORTS_PREFIX,))
        self.key.grant(accounts.role, "kms:GenerateDataKey", "kms:Decrypt")
        self.exports.grant_send_messages(accounts.role)

    def allow_purging(self, purge: ServiceFunction) -> None:
        """The purge lists both prefixes and deletes files a day old."""
        iam.Grant.add_to_principal(
            grantee=purge.role,
            actions=["s3:ListBucket"],
            resource_arns=[self.bucket_arn],
            conditions={"StringEquals": {"s3:prefix": [IMPORTS_PREFIX, EXPORTS_PREFIX]}},
        )
        self._allow(purge, ["s3:DeleteObject"], (IMPORTS_PREFIX, EXPORTS_PREFIX))
