"""The stateful stack: tables as the schema says, the key, the signing secret and the user pool."""

import pytest

from consentmail.core.retention import TTL_ATTRIBUTE
from consentmail.core.tables import SCHEMAS
from infra.constructs.tables import table_name

pytestmark = pytest.mark.infra


def _tables(synthesized) -> dict[str, dict]:
    return {
        r["Properties"]["TableName"]: r
        for r in synthesized.resources(synthesized.data, "AWS::DynamoDB::Table").values()
    }


def test_every_schema_table_exists_and_nothing_else(synthesized):
    assert set(_tables(synthesized)) == {table_name(schema.table) for schema in SCHEMAS.values()}


def test_every_table_expires_items_on_expires_at(synthesized):
    tables = _tables(synthesized)
    for schema in SCHEMAS.values():
        ttl = tables[table_name(schema.table)]["Properties"]["TimeToLiveSpecification"]
        assert ttl == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}, schema.table


def test_every_table_has_exactly_the_schema_keys_and_indexes(synthesized):
    tables = _tables(synthesized)
    for schema in SCHEMAS.values():
        props = tables[table_name(schema.table)]["Properties"]
        keys = [(k["AttributeName"], k["KeyType"]) for k in props["KeySchema"]]
        assert keys == [(schema.partition.name, "HASH")] + (
            [(schema.sort.name, "RANGE")] if schema.sort else []
        )
        indexes = {index["IndexName"]: index for index in props.get("GlobalSecondaryIndexes", [])}
        assert set(indexes) == {index.name for index in schema.indexes}, schema.table
        for index in schema.indexes:
            deployed = indexes[index.name]
            expected_keys = [(index.partition.name, "HASH")] + (
                [(index.sort.name, "RANGE")] if index.sort else []
            )
            assert [(k["AttributeName"], k["KeyType"]) for k in deployed["KeySchema"]] == expected_keys
            assert deployed["Projection"]["ProjectionType"] == ("KEYS_ONLY" if index.keys_only else "ALL")


@pytest.mark.promise("retention.backups")
def test_point_in_time_recovery_keeps_exactly_the_schema_period(synthesized):
    tables = _tables(synthesized)
    for schema in SCHEMAS.values():
        pitr = tables[table_name(schema.table)]["Properties"]["PointInTimeRecoverySpecification"]
        if schema.recovery_days is None:
            assert pitr == {"PointInTimeRecoveryEnabled": False}, schema.table
        else:
            assert pitr == {"PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": schema.recovery_days}


@pytest.mark.promise("encryption.at_rest")
def test_tables_are_on_demand_encrypted_with_the_customer_key_and_retained(synthesized):
    keys = synthesized.resources(synthesized.data, "AWS::KMS::Key")
    assert len(keys) == 1
    ((key_id, key),) = keys.items()
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"
    for table in _tables(synthesized).values():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["SSESpecification"]["SSEType"] == "KMS"
        assert props["SSESpecification"]["KMSMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
        assert table["DeletionPolicy"] == "Retain"


def test_every_stateful_resource_is_retained(synthesized):
    for type_ in ("AWS::SecretsManager::Secret", "AWS::Cognito::UserPool"):
        for resource in synthesized.resources(synthesized.data, type_).values():
            assert resource["DeletionPolicy"] == "Retain", type_


@pytest.mark.promise("encryption.at_rest")
def test_signing_secret_is_kms_encrypted_and_seeded_once_by_a_custom_resource(synthesized):
    (secret,) = synthesized.resources(synthesized.data, "AWS::SecretsManager::Secret").values()
    assert secret["Properties"]["Name"] == "consentmail/signing-keys"
    assert "KmsKeyId" in secret["Properties"]
    # No secret value is ever written into the template.
    assert "SecretString" not in secret["Properties"]
    (seed,) = synthesized.resources(synthesized.data, "Custom::SigningKeyring").values()
    assert "SecretId" in seed["Properties"]


@pytest.mark.promise("passwords.cnil")
def test_user_pool_is_admin_only_with_email_sign_in_and_the_password_rule(synthesized):
    (pool,) = synthesized.resources(synthesized.data, "AWS::Cognito::UserPool").values()
    props = pool["Properties"]
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert props["UsernameAttributes"] == ["email"]
    policy = props["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == 8
    assert policy["RequireNumbers"] is True
    assert policy["RequireSymbols"] is True


def test_app_client_allows_password_login_and_refresh_without_a_secret(synthesized):
    (client,) = synthesized.resources(synthesized.data, "AWS::Cognito::UserPoolClient").values()
    props = client["Properties"]
    assert set(props["ExplicitAuthFlows"]) == {"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert props["GenerateSecret"] is False
    # POST /auth/logout revokes a refresh token (RevokeToken needs it on the client).
    assert props["EnableTokenRevocation"] is True
