"""The service's functions, queues, schedule, SES wiring and permissions."""

import json
import re

import pytest

from consentmail.core.routes import Function
from consentmail.core.settings import PREFIX
from consentmail.core.tables import SCHEMAS
from consentmail.store.list_counts import COUNT_KEY_MARKER
from infra.constructs.mailing import CONFIGURATION_SET

pytestmark = pytest.mark.infra
SETTINGS_ENV = {
    PREFIX + name
    for name in (
        "PUBLIC_URL",
        "SIGNING_SECRET",
        "SES_CONFIGURATION_SET",
        "SYSTEM_FROM",
        "FANOUT_QUEUE_URL",
        "SEND_QUEUE_URL",
        "FANOUT_QUEUE_ARN",
        "SCHEDULE_GROUP",
        "SCHEDULER_ROLE_ARN",
        "USER_POOL_ID",
        "USER_POOL_CLIENT_ID",
        "MAX_SEND_RATE",
        "SNS_TOPIC_ARNS",
        "SNS_REGIONS",
        "OPERATOR_TOPIC_ARN",
        "TRANSFER_BUCKET",
        "IMPORT_QUEUE_URL",
        "EXPORT_QUEUE_URL",
    )
} | {schema.env_var for schema in SCHEMAS.values()}


def _functions(synthesized) -> dict[str, dict]:
    """consentmail function name -> its properties."""
    return {
        r["Properties"]["Environment"]["Variables"]["POWERTOOLS_METRICS_FUNCTION_NAME"]: r["Properties"]
        for r in synthesized.resources(synthesized.service, "AWS::Lambda::Function").values()
    }


def _logical_id(synthesized, function: Function) -> str:
    for logical_id, r in synthesized.resources(synthesized.service, "AWS::Lambda::Function").items():
        if r["Properties"]["Environment"]["Variables"]["POWERTOOLS_METRICS_FUNCTION_NAME"] == function.value:
            return logical_id
    raise AssertionError(f"no function {function}")


def _policy_of(synthesized, function: Function) -> list[dict]:
    role = _functions(synthesized)[function.value]["Role"]["Fn::GetAtt"][0]
    statements = []
    for policy in synthesized.resources(synthesized.service, "AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            statements += policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _actions(statements: list[dict]) -> set[str]:
    actions = set()
    for statement in statements:
        value = statement["Action"]
        actions |= {value} if isinstance(value, str) else set(value)
    return actions


def test_one_function_per_bounded_context(synthesized):
    assert set(_functions(synthesized)) == {function.value for function in Function}


# Once or more per email: a trace each would cost more than the rest of their bill.
HOT_PATHS = {Function.TRACKING.value, Function.SENDER.value, Function.SES_EVENTS.value}


def test_every_function_is_arm64_python313_with_json_logs_in_its_own_group_traced_but_the_hot_paths(
    synthesized,
):
    for name, props in _functions(synthesized).items():
        assert props["Architectures"] == ["arm64"], name
        assert props["Runtime"] == "python3.13", name
        assert props["Handler"] == "handler.handler", name
        tracing = "PassThrough" if name in HOT_PATHS else "Active"
        assert props["TracingConfig"] == {"Mode": tracing}, name
        assert props["LoggingConfig"]["LogFormat"] == "JSON", name
        assert "Ref" in props["LoggingConfig"]["LogGroup"], name
        assert len(props["Layers"]) == 2, name


def test_every_function_gets_every_setting_but_aws_region(synthesized):
    for name, props in _functions(synthesized).items():
        variables = props["Environment"]["Variables"]
        assert set(variables) >= SETTINGS_ENV, (name, SETTINGS_ENV - set(variables))
        assert "AWS_REGION" not in variables
        assert variables[PREFIX + "SES_CONFIGURATION_SET"] == CONFIGURATION_SET


def test_the_purge_runs_every_hour(synthesized):
    (rule,) = synthesized.resources(synthesized.service, "AWS::Events::Rule").values()
    assert rule["Properties"]["ScheduleExpression"] == "rate(1 hour)"
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [_logical_id(synthesized, Function.PURGE), "Arn"]}


def test_ses_configuration_set_publishes_every_sending_event_to_the_encrypted_topic(synthesized):
    (config_set,) = synthesized.resources(synthesized.service, "AWS::SES::ConfigurationSet").values()
    assert config_set["Properties"]["Name"] == CONFIGURATION_SET
    assert set(config_set["Properties"]["SuppressionOptions"]["SuppressedReasons"]) == {"BOUNCE", "COMPLAINT"}
    (destination,) = synthesized.resources(
        synthesized.service, "AWS::SES::ConfigurationSetEventDestination"
    ).values()
    event_destination = destination["Properties"]["EventDestination"]
    assert event_destination["Enabled"] is True
    # Every outcome, and not Send: the sender's own marker records and counts each send.
    assert set(event_destination["MatchingEventTypes"]) == {
        "delivery",
        "bounce",
        "complaint",
        "reject",
        "deliveryDelay",
        "renderingFailure",
    }
    topic_id = event_destination["SnsDestination"]["TopicARN"]["Ref"]
    topic = synthesized.service["Resources"][topic_id]["Properties"]
    assert topic["SignatureVersion"] == "2"
    assert "KmsMasterKeyId" in topic


def test_ses_events_reach_the_function_through_a_queue_in_batches(synthesized):
    (subscription,) = synthesized.resources(synthesized.service, "AWS::SNS::Subscription").values()
    props = subscription["Properties"]
    assert props["Protocol"] == "sqs" and props["RawMessageDelivery"] is True
    queue_id = props["Endpoint"]["Fn::GetAtt"][0]
    mappings = synthesized.resources(synthesized.service, "AWS::Lambda::EventSourceMapping").values()
    (mapping,) = [m for m in mappings if m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0] == queue_id]
    assert mapping["Properties"]["FunctionName"]["Ref"] == _logical_id(synthesized, Function.SES_EVENTS)
    assert mapping["Properties"]["BatchSize"] == 10
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_queues_outlast_their_consumers_and_report_partial_failures(synthesized):
    queues = synthesized.resources(synthesized.service, "AWS::SQS::Queue")
    mappings = synthesized.resources(synthesized.service, "AWS::Lambda::EventSourceMapping")
    functions = synthesized.service["Resources"]
    assert len(mappings) == 5  # fan-out, send, SES events, import, export
    for mapping in mappings.values():
        props = mapping["Properties"]
        queue = queues[props["EventSourceArn"]["Fn::GetAtt"][0]]["Properties"]
        function = functions[props["FunctionName"]["Ref"]]["Properties"]
        assert queue["VisibilityTimeout"] >= 6 * function["Timeout"]
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert "RedrivePolicy" in queue
        if "ScalingConfig" in props:  # the sending pipeline is capped; SES events scale freely
            assert function["ReservedConcurrentExecutions"] >= props["ScalingConfig"]["MaximumConcurrency"]
    for queue in queues.values():
        assert "KmsMasterKeyId" in queue["Properties"]


def test_only_the_functions_that_email_may_send_through_ses(synthesized):
    senders = {Function.SUBSCRIPTION, Function.ACCOUNTS, Function.SENDER, Function.SUBJECT_REQUESTS}
    for function in Function:
        statements = _policy_of(synthesized, function)
        sends = [s for s in statements if "ses:SendEmail" in _actions([s])]
        if function in senders:
            (statement,) = sends
            resources = json.dumps(statement["Resource"])
            assert (
                "identity/example.com" in resources and f"configuration-set/{CONFIGURATION_SET}" in resources
            )
        else:
            assert not sends, function


def test_purge_may_put_metrics_only_in_its_namespace_and_delete_cognito_users(synthesized):
    statements = _policy_of(synthesized, Function.PURGE)
    (metrics,) = [s for s in statements if s["Action"] == "cloudwatch:PutMetricData"]
    assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": "consentmail"}}
    assert "cognito-idp:AdminDeleteUser" in _actions(statements)
    assert "sns:Publish" in _actions(statements)


def test_accounts_may_make_exactly_the_admin_calls_of_the_account_lifecycle(synthesized):
    # Sign-in, refresh (InitiateAuth) and sign-out (RevokeToken) are unauthenticated client calls:
    # no IAM permission. Sign-up, reset (set password, sign every session out) and closure are
    # the admin calls, on the user pool only.
    statements = _policy_of(synthesized, Function.ACCOUNTS)
    cognito = [s for s in statements if any(a.startswith("cognito-idp:") for a in _actions([s]))]
    assert {a for a in _actions(cognito) if a.startswith("cognito-idp:")} == {
        "cognito-idp:AdminCreateUser",
        "cognito-idp:AdminSetUserPassword",
        "cognito-idp:AdminDeleteUser",
        "cognito-idp:AdminDisableUser",
        "cognito-idp:AdminUserGlobalSignOut",
    }
    for statement in cognito:
        resources = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        assert all("userpool" in json.dumps(r).lower() for r in resources), statement


def test_public_functions_have_no_cognito_or_queue_powers(synthesized):
    for function in (Function.SUBSCRIPTION, Function.TRACKING, Function.SES_WEBHOOK):
        actions = _actions(_policy_of(synthesized, function))
        assert not any(a.startswith(("cognito-idp:", "sqs:")) for a in actions), function


R, RW = "read", "read-write"
# Reads the table, and updates its count items only (UpdateItem under a dynamodb:LeadingKeys
# condition on the count items' marker): a list's counts move with its contacts, the lists do not.
R_COUNTS = "read, update counts"
# Least privilege: what each function may do to each table, and nothing more.
TABLE_ACCESS: dict[Function, dict[str, str]] = {
    Function.SUBSCRIPTION: {
        "lists": R_COUNTS,
        "suppression": RW,
        "contacts": RW,
        "consent": RW,
        "events": RW,
        "campaigns": RW,
    },
    Function.TRACKING: {"events": RW, "campaigns": RW, "contacts": R, "suppression": R},
    Function.ACCOUNTS: {
        **dict.fromkeys(("accounts", "lists", "contacts", "consent", "campaigns", "content", "events"), RW),
        "suppression": R,
        "receipts": R,
    },
    Function.FANOUT: {"campaigns": RW, "content": RW, "lists": R, "contacts": R, "accounts": R},
    Function.SENDER: {
        "campaigns": RW,
        "events": RW,
        "content": R,
        "lists": R,
        "contacts": R,
        "suppression": R,
    },
    Function.SES_EVENTS: {
        **dict.fromkeys(("events", "contacts", "campaigns", "suppression", "accounts"), RW),
        "lists": R_COUNTS,
    },
    Function.SES_WEBHOOK: {
        **dict.fromkeys(("events", "contacts", "campaigns", "suppression", "accounts"), RW),
        "lists": R_COUNTS,
    },
    Function.SUBJECT_REQUESTS: dict.fromkeys(
        ("requests", "contacts", "consent", "events", "accounts", "suppression", "lists", "receipts"), RW
    ),
    Function.PURGE: dict.fromkeys((schema.table.value for schema in SCHEMAS.values()), RW),
    # An import's status, its contacts and their ledger entries, the list's counts; the list and
    # suppressions read.
    Function.IMPORTER: {"accounts": RW, "contacts": RW, "consent": RW, "lists": R_COUNTS, "suppression": R},
    # An export's status; the list and its contacts read.
    Function.EXPORTER: {"accounts": RW, "lists": R, "contacts": R},
}
SECRET_READERS = set(Function) - {Function.FANOUT, Function.EXPORTER}


def _count_updates_only(statement: dict, actions: set[str]) -> bool:
    leading = statement.get("Condition", {}).get("ForAllValues:StringLike", {}).get("dynamodb:LeadingKeys")
    return actions == {"dynamodb:UpdateItem"} and leading == [f"*{COUNT_KEY_MARKER}*"]


def _table_access(statements: list[dict]) -> dict[str, str]:
    access: dict[str, str] = {}
    counted: set[str] = set()
    for statement in statements:
        actions = _actions([statement])
        if not any(action.startswith("dynamodb:") for action in actions):
            continue
        tables = re.findall(r"table/consentmail-([a-z_]+)", json.dumps(statement["Resource"]))
        if _count_updates_only(statement, actions):
            counted.update(tables)
            continue
        writes = bool(actions & {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"})
        for table in tables:
            if writes or access.get(table) != RW:
                access[table] = RW if writes else R
    for table in counted:
        access[table] = RW if access.get(table) == RW else R_COUNTS
    return access


def test_each_function_reaches_exactly_the_tables_its_capability_needs(synthesized):
    for function, expected in TABLE_ACCESS.items():
        assert _table_access(_policy_of(synthesized, function)) == expected, function


def test_tracking_may_only_read_an_erasure_tombstone_by_key_in_the_suppression_table(synthesized):
    """An open or click recorded while its address is being erased is taken back: tracking reads
    the erasure's tombstone by its key, and may do nothing else with the suppression table."""
    on_suppression = [
        statement
        for statement in _policy_of(synthesized, Function.TRACKING)
        if "consentmail-suppression" in json.dumps(statement["Resource"])
    ]
    assert _actions(on_suppression) == {"dynamodb:GetItem"}
    assert "/index/" not in json.dumps([s["Resource"] for s in on_suppression])


def test_only_functions_that_sign_or_hash_read_the_signing_secret(synthesized):
    for function in Function:
        reads = "secretsmanager:GetSecretValue" in _actions(_policy_of(synthesized, function))
        assert reads == (function in SECRET_READERS), function


def test_sender_containers_together_stay_within_the_ses_rate_and_fit_a_batch_in_their_timeout():
    from infra.constructs.queues import SENDER_TIMEOUT
    from infra.constructs.sending import SENDER_CONCURRENCY, sender_batch, sender_rate

    for rate in (1, 14, 200):
        assert sender_rate(rate) * SENDER_CONCURRENCY == rate
        batch = sender_batch(rate)
        seconds = batch * 50 / sender_rate(rate)
        assert 1 <= batch <= 10
        assert seconds <= SENDER_TIMEOUT.to_seconds() - 30 or batch == 1


def test_the_sender_function_is_given_its_share_of_the_send_rate(synthesized):
    from infra.constructs.sending import SENDER_CONCURRENCY

    name = "CONSENTMAIL_MAX_SEND_RATE"
    functions = synthesized.resources(synthesized.service, "AWS::Lambda::Function").values()
    variables = {
        f["Properties"].get("Description", ""): f["Properties"].get("Environment", {}) for f in functions
    }
    rates = {
        description: float(environment["Variables"][name])
        for description, environment in variables.items()
        if name in environment.get("Variables", {})
    }
    sender = rates.pop("Renders and sends campaign emails through SES")
    [account_rate] = set(rates.values())
    assert sender * SENDER_CONCURRENCY == account_rate
