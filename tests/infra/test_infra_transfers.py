"""Large imports and exports as deployed: the transfer bucket (private, KMS, TLS only, files gone
after a day, CORS for the console's origin only), its upload events to the import queue without a
custom resource, the importer and exporter with their dead-letter queues and alarms, and who may do
what to which files."""

import json

import pytest

from consentmail.core.routes import Function
from infra.constructs.transfers import EXPORTER_CONCURRENCY, IMPORTER_CONCURRENCY
from infra.timeouts import timeout_seconds

pytestmark = pytest.mark.infra
BUCKET_NAME = {
    "Fn::Join": ["-", ["consentmail-transfers", {"Ref": "AWS::AccountId"}, {"Ref": "AWS::Region"}]]
}
BUCKET_ARN = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", BUCKET_NAME]]}


def objects(prefix: str) -> dict:
    return {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", BUCKET_NAME, f"/{prefix}*"]]}


def _bucket(synthesized) -> tuple[str, dict]:
    buckets = synthesized.resources(synthesized.service, "AWS::S3::Bucket")
    (found,) = [(i, b) for i, b in buckets.items() if b["Properties"].get("BucketName") == BUCKET_NAME]
    return found


def _function_id(synthesized, function: Function) -> str:
    for logical_id, r in synthesized.resources(synthesized.service, "AWS::Lambda::Function").items():
        if r["Properties"]["Environment"]["Variables"]["POWERTOOLS_METRICS_FUNCTION_NAME"] == function.value:
            return logical_id
    raise AssertionError(function)


def _statements(synthesized, function: Function) -> list[dict]:
    role = synthesized.service["Resources"][_function_id(synthesized, function)]["Properties"]["Role"]
    return [
        statement
        for policy in synthesized.resources(synthesized.service, "AWS::IAM::Policy").values()
        if {"Ref": role["Fn::GetAtt"][0]} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _s3_grants(synthesized, function: Function) -> list[tuple[set[str], list, dict | None]]:
    """(actions, resources, condition) of every statement of the function that allows an S3 action."""
    grants = []
    for statement in _statements(synthesized, function):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if any(action.startswith("s3:") for action in actions):
            resources = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            grants.append((set(actions), resources, statement.get("Condition")))
    return grants


def _key(synthesized) -> dict:
    """The bucket's key as the service stack refers to it (the data stack's one key)."""
    _logical_id, bucket = _bucket(synthesized)
    encryption = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    return encryption["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]


@pytest.mark.promise("encryption.at_rest")
def test_the_bucket_is_private_kms_encrypted_and_tls_only(synthesized):
    logical_id, bucket = _bucket(synthesized)
    props = bucket["Properties"]
    assert props["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    (encryption,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    # consentmail's one customer managed key, rotated (tests/infra/test_infra_operations.py).
    assert synthesized.is_data_key(_key(synthesized))
    assert encryption["BucketKeyEnabled"] is True
    (policy,) = [
        p["Properties"]
        for p in synthesized.resources(synthesized.service, "AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": logical_id}
    ]
    (deny,) = policy["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Principal"] == {"AWS": "*"} and deny["Action"] == "s3:*"


@pytest.mark.promise("retention.transfer_files")
def test_every_file_expires_after_a_day_and_half_done_uploads_too(synthesized):
    _logical_id, bucket = _bucket(synthesized)
    (rule,) = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled" and "Prefix" not in rule and "Filter" not in rule
    assert rule["ExpirationInDays"] == 1
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}


def test_only_the_consoles_origin_may_put_and_get_with_presigned_urls(synthesized):
    _logical_id, bucket = _bucket(synthesized)
    (rule,) = bucket["Properties"]["CorsConfiguration"]["CorsRules"]
    assert sorted(rule["AllowedMethods"]) == ["GET", "PUT"]
    (origin,) = rule["AllowedOrigins"]
    # The API's own origin (the console is served by the API), never "*".
    assert "execute-api" in json.dumps(origin) and origin != "*"


def test_uploads_reach_the_import_queue_without_a_custom_resource(synthesized):
    logical_id, bucket = _bucket(synthesized)
    (configuration,) = bucket["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    assert configuration["Event"] == "s3:ObjectCreated:*"
    assert configuration["Filter"] == {"S3Key": {"Rules": [{"Name": "prefix", "Value": "imports/"}]}}
    queue_id = configuration["Queue"]["Fn::GetAtt"][0]
    (policy_id, policy) = next(
        (i, p)
        for i, p in synthesized.resources(synthesized.service, "AWS::SQS::QueuePolicy").items()
        if {"Ref": queue_id} in p["Properties"]["Queues"]
    )
    assert policy_id in bucket["DependsOn"]
    (allow,) = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "s3.amazonaws.com"} and allow["Action"] == "sqs:SendMessage"
    assert allow["Condition"] == {
        "ArnLike": {"aws:SourceArn": BUCKET_ARN},
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
    }
    # S3 may use the queue's key (the data stack's) for this bucket's events only.
    assert synthesized.resources(synthesized.service, "AWS::SQS::Queue")[queue_id]["Properties"][
        "KmsMasterKeyId"
    ] == _key(synthesized)
    key = synthesized.data["Resources"][synthesized.data_key_id()]["Properties"]["KeyPolicy"]["Statement"]
    (s3_use,) = [s for s in key if s.get("Principal") == {"Service": "s3.amazonaws.com"}]
    assert s3_use["Condition"] == allow["Condition"]
    assert not synthesized.resources(synthesized.service, "Custom::S3BucketNotifications")


@pytest.mark.parametrize(
    ("function", "queue_name", "concurrency"),
    [
        (Function.IMPORTER, "Import", IMPORTER_CONCURRENCY),
        (Function.EXPORTER, "Export", EXPORTER_CONCURRENCY),
    ],
)
def test_the_workers_take_one_message_at_a_time_with_a_dead_letter_queue(
    synthesized, function, queue_name, concurrency
):
    resources = synthesized.service["Resources"]
    function_id = _function_id(synthesized, function)
    (mapping,) = [
        m["Properties"]
        for m in synthesized.resources(synthesized.service, "AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"] == {"Ref": function_id}
    ]
    assert mapping["BatchSize"] == 1 and mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": concurrency}
    queue_id = mapping["EventSourceArn"]["Fn::GetAtt"][0]
    assert queue_id.startswith(f"Transfers{queue_name}Queue")
    queue = resources[queue_id]["Properties"]
    assert queue["VisibilityTimeout"] == 6 * timeout_seconds(function)
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 5
    assert queue["KmsMasterKeyId"] == _key(synthesized)
    props = resources[function_id]["Properties"]
    assert props["ReservedConcurrentExecutions"] == concurrency
    assert props["Timeout"] == timeout_seconds(function)
    alarms = {
        r["Properties"]["AlarmName"]
        for r in synthesized.resources(synthesized.service, "AWS::CloudWatch::Alarm").values()
    }
    name = function.value
    assert {
        f"consentmail-{name}-errors",
        f"consentmail-{name}-throttles",
        f"consentmail-{queue_name.lower()}-dlq",
    } <= alarms


def test_the_accounts_function_may_only_presign_uploads_of_imports_and_downloads_of_exports(synthesized):
    grants = _s3_grants(synthesized, Function.ACCOUNTS)
    assert sorted((sorted(a), r) for a, r, _c in grants) == sorted(
        [(["s3:PutObject"], [objects("imports/")]), (["s3:GetObject"], [objects("exports/")])]
    )
    kms = [s for s in _statements(synthesized, Function.ACCOUNTS) if s["Resource"] == _key(synthesized)]
    assert {a for s in kms for a in s["Action"]} >= {"kms:GenerateDataKey", "kms:Decrypt"}


@pytest.mark.promise("retention.transfer_files")
def test_the_workers_and_the_purge_reach_only_their_own_files(synthesized):
    assert [(sorted(a), r) for a, r, _c in _s3_grants(synthesized, Function.IMPORTER)] == [
        (["s3:DeleteObject", "s3:GetObject"], [objects("imports/")])
    ]
    assert [(sorted(a), r) for a, r, _c in _s3_grants(synthesized, Function.EXPORTER)] == [
        (["s3:AbortMultipartUpload", "s3:PutObject"], [objects("exports/")])
    ]
    purge = _s3_grants(synthesized, Function.PURGE)
    (listing,) = [(r, c) for a, r, c in purge if a == {"s3:ListBucket"}]
    assert listing == ([BUCKET_ARN], {"StringEquals": {"s3:prefix": ["imports/", "exports/"]}})
    (deleting,) = [r for a, r, _c in purge if a == {"s3:DeleteObject"}]
    assert sorted(map(json.dumps, deleting)) == sorted(
        map(json.dumps, [objects("imports/"), objects("exports/")])
    )
    assert len(purge) == 2


def test_no_other_function_touches_the_bucket(synthesized):
    allowed = {Function.ACCOUNTS, Function.IMPORTER, Function.EXPORTER, Function.PURGE}
    for function in set(Function) - allowed:
        assert _s3_grants(synthesized, function) == [], function
    for function in Function:
        for _actions, resources, _condition in _s3_grants(synthesized, function):
            assert "*" not in resources, function


def test_every_function_is_told_the_bucket_and_the_transfer_queues(synthesized):
    for r in synthesized.resources(synthesized.service, "AWS::Lambda::Function").values():
        variables = r["Properties"]["Environment"]["Variables"]
        assert variables["CONSENTMAIL_TRANSFER_BUCKET"] == BUCKET_NAME
        assert "Ref" in variables["CONSENTMAIL_IMPORT_QUEUE_URL"]
        assert "Ref" in variables["CONSENTMAIL_EXPORT_QUEUE_URL"]
