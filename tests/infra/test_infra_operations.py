"""Operations and transport security: every alarm (with its threshold) to the one operator topic,
log retention on every function and on the API, TLS-only queues and topics, SNS signatures,
SES suppression, and the one customer managed key: what it encrypts, that it rotates, and which AWS
services may use it for what."""

import json

import pytest

from consentmail.core.metrics import CAMPAIGN_RECIPIENTS_FAILED
from consentmail.core.routes import Function
from infra.constructs.function import METRICS_NAMESPACE, POWERTOOLS_SERVICE
from infra.constructs.mailing import CONFIGURATION_SET

pytestmark = pytest.mark.infra

FIVE_MINUTES, ONE_HOUR = 300, 3600
# Errors and throttles per function, 5 DLQs, API 5xx, SES rates, late deletions, campaign failures.
ALARMS = len(Function) * 2 + 5 + 1 + 2 + 1 + 1


def _alarms(synthesized) -> dict[str, dict]:
    """Alarm name -> its properties."""
    return {
        r["Properties"]["AlarmName"]: r["Properties"]
        for r in synthesized.resources(synthesized.service, "AWS::CloudWatch::Alarm").values()
    }


def _operator_topic(synthesized) -> str:
    (topic_id,) = [
        logical_id
        for logical_id, r in synthesized.resources(synthesized.service, "AWS::SNS::Topic").items()
        if r["Properties"]["DisplayName"] == "consentmail operator notifications"
    ]
    return topic_id


def _function_ids(synthesized) -> dict[str, str]:
    """consentmail function name -> logical id."""
    return {
        r["Properties"]["Environment"]["Variables"]["POWERTOOLS_METRICS_FUNCTION_NAME"]: logical_id
        for logical_id, r in synthesized.resources(synthesized.service, "AWS::Lambda::Function").items()
    }


def _dead_letter_queues(synthesized) -> set[str]:
    """Every queue that is some queue's redrive target or some function's dead-letter target."""
    resources = synthesized.service["Resources"]
    targets = set()
    for r in resources.values():
        props = r.get("Properties", {})
        if r["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" in props:
            targets.add(props["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0])
        if r["Type"] == "AWS::Lambda::Function" and "DeadLetterConfig" in props:
            targets.add(props["DeadLetterConfig"]["TargetArn"]["Fn::GetAtt"][0])
    return targets


def _assert_alarm(alarm: dict, *, namespace: str, metric: str, statistic: str, period: int, threshold: float):
    assert alarm["Namespace"] == namespace
    assert alarm["MetricName"] == metric
    assert alarm["Statistic"] == statistic
    assert alarm["Period"] == period
    assert alarm["Threshold"] == threshold
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["EvaluationPeriods"] == 1


def test_every_alarm_notifies_the_operator_topic_and_nothing_else(synthesized):
    alarms = _alarms(synthesized)
    assert len(alarms) == ALARMS
    topic = {"Ref": _operator_topic(synthesized)}
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == [topic], name
        assert alarm["TreatMissingData"] == "notBreaching", name
        assert "docs/architecture.md" in alarm["AlarmDescription"], name


def test_every_function_alarms_on_its_first_error_and_first_throttle(synthesized):
    alarms = _alarms(synthesized)
    for function, logical_id in _function_ids(synthesized).items():
        name = function.replace("_", "-")
        for kind, metric in (("errors", "Errors"), ("throttles", "Throttles")):
            alarm = alarms[f"consentmail-{name}-{kind}"]
            _assert_alarm(
                alarm,
                namespace="AWS/Lambda",
                metric=metric,
                statistic="Sum",
                period=FIVE_MINUTES,
                threshold=1,
            )
            assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": logical_id}}]


def test_every_dead_letter_queue_alarms_on_its_first_message(synthesized):
    dead_letter_queues = _dead_letter_queues(synthesized)
    assert len(dead_letter_queues) == 5
    alarmed = set()
    for name, alarm in _alarms(synthesized).items():
        if alarm["Namespace"] != "AWS/SQS":
            continue
        assert name.endswith("-dlq")
        _assert_alarm(
            alarm,
            namespace="AWS/SQS",
            metric="ApproximateNumberOfMessagesVisible",
            statistic="Maximum",
            period=FIVE_MINUTES,
            threshold=1,
        )
        ((dimension),) = alarm["Dimensions"]
        assert dimension["Name"] == "QueueName"
        alarmed.add(dimension["Value"]["Fn::GetAtt"][0])
    assert alarmed == dead_letter_queues
    assert {
        "consentmail-fanout-dlq",
        "consentmail-send-dlq",
        "consentmail-ses-events-dlq",
        "consentmail-import-dlq",
        "consentmail-export-dlq",
    } <= set(_alarms(synthesized))


def test_the_api_alarms_on_five_server_errors_in_five_minutes(synthesized):
    alarm = _alarms(synthesized)["consentmail-api-5xx"]
    _assert_alarm(
        alarm,
        namespace="AWS/ApiGateway",
        metric="5XXError",
        statistic="Sum",
        period=FIVE_MINUTES,
        threshold=5,
    )
    (api,) = synthesized.resources(synthesized.service, "AWS::ApiGateway::RestApi").values()
    assert alarm["Dimensions"] == [{"Name": "ApiName", "Value": api["Properties"]["Name"]}]


def test_ses_reputation_alarms_fire_at_the_rates_that_get_an_account_reviewed(synthesized):
    # Given SES's published reputation metrics, which are fractions of the account's sends
    alarms = _alarms(synthesized)
    # Then a 5 % bounce rate and a 0.1 % complaint rate alarm, account-wide (no dimensions)
    for name, metric, threshold in (
        ("consentmail-ses-bounce-rate", "Reputation.BounceRate", 0.05),
        ("consentmail-ses-complaint-rate", "Reputation.ComplaintRate", 0.001),
    ):
        alarm = alarms[name]
        _assert_alarm(
            alarm,
            namespace="AWS/SES",
            metric=metric,
            statistic="Maximum",
            period=ONE_HOUR,
            threshold=threshold,
        )
        assert "Dimensions" not in alarm
    (config_set,) = synthesized.resources(synthesized.service, "AWS::SES::ConfigurationSet").values()
    assert config_set["Properties"]["ReputationOptions"] == {"ReputationMetricsEnabled": True}


def _arn(service: str, resource: str) -> dict:
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                f":{service}:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                f":{resource}",
            ],
        ]
    }


TRANSFER_BUCKET = {
    "Fn::Join": ["-", ["consentmail-transfers", {"Ref": "AWS::AccountId"}, {"Ref": "AWS::Region"}]]
}
# What each AWS service may use the key for: this account's resources named so (source ARN patterns).
KEY_USERS = {
    "ses.amazonaws.com": _arn("ses", "*"),
    "sns.amazonaws.com": _arn("sns", "consentmail-*"),
    "cloudwatch.amazonaws.com": _arn("cloudwatch", "alarm:consentmail-*"),
    "s3.amazonaws.com": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", TRANSFER_BUCKET]]},
}


def _key_policy_services(synthesized) -> dict[str, dict]:
    """Service principal -> its statement in the data key's policy."""
    key = synthesized.data["Resources"][synthesized.data_key_id()]["Properties"]
    statements = {}
    for statement in key["KeyPolicy"]["Statement"]:
        service = statement["Principal"].get("Service")
        if service:
            assert service not in statements, service
            statements[service] = statement
    return statements


@pytest.mark.promise("encryption.at_rest")
def test_one_customer_managed_key_encrypts_every_table_queue_topic_and_the_transfer_bucket(synthesized):
    assert len(synthesized.resources(synthesized.data, "AWS::KMS::Key")) == 1
    assert synthesized.resources(synthesized.service, "AWS::KMS::Key") == {}
    key_arn = {"Fn::GetAtt": [synthesized.data_key_id(), "Arn"]}
    for logical_id, table in synthesized.resources(synthesized.data, "AWS::DynamoDB::Table").items():
        assert table["Properties"]["SSESpecification"]["KMSMasterKeyId"] == key_arn, logical_id
    for type_ in ("AWS::SQS::Queue", "AWS::SNS::Topic"):
        resources = synthesized.resources(synthesized.service, type_)
        assert resources, type_
        for logical_id, resource in resources.items():
            assert synthesized.is_data_key(resource["Properties"]["KmsMasterKeyId"]), logical_id
    (transfers,) = [
        b["Properties"]
        for b in synthesized.resources(synthesized.service, "AWS::S3::Bucket").values()
        if b["Properties"].get("BucketName") == TRANSFER_BUCKET
    ]
    (rule,) = transfers["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert synthesized.is_data_key(rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"])


def test_aws_services_may_use_the_key_only_from_this_account_for_consentmail_resources(synthesized):
    statements = _key_policy_services(synthesized)
    assert set(statements) == set(KEY_USERS)
    for service, source in KEY_USERS.items():
        statement = statements[service]
        assert statement["Effect"] == "Allow", service
        assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"], service
        assert statement["Condition"] == {
            "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
            "ArnLike": {"aws:SourceArn": source},
        }, service


def test_the_resources_aws_services_write_into_are_named_as_the_key_policy_expects(synthesized):
    # The data stack cannot refer to the service stack: its key policy names the service's
    # resources by their fixed names, which must therefore match what the service stack deploys.
    topics = synthesized.resources(synthesized.service, "AWS::SNS::Topic").values()
    assert all(t["Properties"]["TopicName"].startswith("consentmail-") for t in topics)
    assert all(name.startswith("consentmail-") for name in _alarms(synthesized))
    (config_set,) = synthesized.resources(synthesized.service, "AWS::SES::ConfigurationSet").values()
    assert config_set["Properties"]["Name"] == CONFIGURATION_SET
    # The operator topic (alarms) and the SES events topic (SES) are encrypted with the key those
    # services may use; SNS delivers the SES events topic to its queue under the same key.
    (destination,) = synthesized.resources(
        synthesized.service, "AWS::SES::ConfigurationSetEventDestination"
    ).values()
    events_topic = destination["Properties"]["EventDestination"]["SnsDestination"]["TopicARN"]["Ref"]
    for topic_id in (_operator_topic(synthesized), events_topic):
        topic = synthesized.service["Resources"][topic_id]["Properties"]
        assert synthesized.is_data_key(topic["KmsMasterKeyId"]), topic_id


def test_every_function_and_the_api_log_with_explicit_retention(synthesized):
    for template in (synthesized.data, synthesized.service):
        groups = synthesized.resources(template, "AWS::Logs::LogGroup")
        for logical_id, group in groups.items():
            assert group["Properties"]["RetentionInDays"] == 30, logical_id
        for logical_id, function in synthesized.resources(template, "AWS::Lambda::Function").items():
            (group_id,) = [function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]]
            assert group_id in groups, logical_id
    groups = synthesized.resources(synthesized.service, "AWS::Logs::LogGroup")
    ((stage_id, stage),) = synthesized.resources(synthesized.service, "AWS::ApiGateway::Stage").items()
    destination = stage["Properties"]["AccessLogSetting"]["DestinationArn"]["Fn::Join"][1]
    (access,) = [part["Ref"] for part in destination if isinstance(part, dict) and part.get("Ref") in groups]
    # API Gateway's execution log group is ours, made before the stage, so it has a retention too.
    (api_id,) = synthesized.resources(synthesized.service, "AWS::ApiGateway::RestApi")
    execution = {
        logical_id
        for logical_id, group in groups.items()
        if group["Properties"].get("LogGroupName")
        == {
            "Fn::Join": [
                "",
                ["API-Gateway-Execution-Logs_", {"Ref": api_id}, f"/{stage['Properties']['StageName']}"],
            ]
        }
    }
    assert len(execution) == 1
    assert execution <= set(stage["DependsOn"]), stage_id


def _denies_plain_http(statement: dict, resource: dict) -> bool:
    return (
        statement["Effect"] == "Deny"
        and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        and statement["Principal"] in ("*", {"AWS": "*"})
        and statement["Resource"] == resource
    )


def test_every_queue_and_topic_refuses_requests_without_tls(synthesized):
    resources = synthesized.service["Resources"]
    for type_, policy_type, listed, reference in (
        ("AWS::SQS::Queue", "AWS::SQS::QueuePolicy", "Queues", lambda i: {"Fn::GetAtt": [i, "Arn"]}),
        ("AWS::SNS::Topic", "AWS::SNS::TopicPolicy", "Topics", lambda i: {"Ref": i}),
    ):
        policies = [r["Properties"] for r in resources.values() if r["Type"] == policy_type]
        for logical_id in synthesized.resources(synthesized.service, type_):
            statements = [
                statement
                for policy in policies
                if {"Ref": logical_id} in policy[listed]
                for statement in policy["PolicyDocument"]["Statement"]
            ]
            assert any(_denies_plain_http(s, reference(logical_id)) for s in statements), logical_id


@pytest.mark.promise("encryption.at_rest")
def test_every_topic_signs_with_sha256_and_is_encrypted(synthesized):
    topics = synthesized.resources(synthesized.service, "AWS::SNS::Topic")
    assert len(topics) == 2
    for logical_id, topic in topics.items():
        assert topic["Properties"]["SignatureVersion"] == "2", logical_id
        assert "KmsMasterKeyId" in topic["Properties"], logical_id


def test_the_configuration_set_suppresses_bounces_and_complaints_and_requires_tls(synthesized):
    (config_set,) = synthesized.resources(synthesized.service, "AWS::SES::ConfigurationSet").values()
    props = config_set["Properties"]
    assert sorted(props["SuppressionOptions"]["SuppressedReasons"]) == ["BOUNCE", "COMPLAINT"]
    assert props["DeliveryOptions"]["TlsPolicy"] == "REQUIRE"


@pytest.mark.promise("encryption.at_rest")
def test_every_kms_key_rotates(synthesized):
    keys = {
        **synthesized.resources(synthesized.data, "AWS::KMS::Key"),
        **synthesized.resources(synthesized.service, "AWS::KMS::Key"),
    }
    assert len(keys) == 1  # the data stack's, for everything
    for logical_id, key in keys.items():
        assert key["Properties"]["EnableKeyRotation"] is True, logical_id
        assert key["DeletionPolicy"] == "Retain", logical_id


def test_every_cdk_nag_acknowledgement_sits_on_one_resource_with_its_own_reason(synthesized):
    # The synthesis itself fails on any unacknowledged finding; here: how the others were let through.
    acknowledged = 0
    for stack in ("ConsentmailData", "ConsentmailService"):
        metadata = json.loads((synthesized.outdir / f"{stack}.metadata.json").read_text())
        for path, entries in metadata.items():
            for entry in entries:
                if entry["type"] != "aws:cdk:acknowledged-rules":
                    continue
                # Never the stack or the app as a whole: one construct per acknowledgement.
                assert path.count("/") >= 2, path
                for rule, reason in entry["data"].items():
                    assert rule.startswith("Annotation::AwsSolutions-"), (path, rule)
                    assert len(reason.split()) >= 12, (path, rule, reason)
                    acknowledged += 1
    assert acknowledged


def test_a_campaign_with_failed_recipients_alarms_at_the_first_one(synthesized):
    # Given the sender's metric of recipients counted failed (Powertools Metrics, service dimension)
    alarm = _alarms(synthesized)["consentmail-campaign-failures"]
    # Then one failed recipient in five minutes notifies the operator
    _assert_alarm(
        alarm,
        namespace=METRICS_NAMESPACE,
        metric=CAMPAIGN_RECIPIENTS_FAILED,
        statistic="Sum",
        period=FIVE_MINUTES,
        threshold=1,
    )
    assert alarm["Dimensions"] == [{"Name": "service", "Value": POWERTOOLS_SERVICE}]
