"""The stateful stack: what holds data and must outlive any redeployment of the service. Every
resource here is retained when the stack is deleted (tables, key, user pool, secret).

The key is consentmail's only customer managed key: it encrypts the tables and the signing secret
here, and the service stack's queues, topics and transfer bucket too (docs/architecture.md,
"One customer managed key"); the AWS services that write into those on our behalf are let in by
its key policy (infra/constructs/key_users.py)."""

from aws_cdk import CfnOutput, RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from constructs import Construct

from infra.config import Config
from infra.constructs.auth import AccountAuth
from infra.constructs.key_users import allow_key_users
from infra.constructs.signing_secret import SigningSecret
from infra.constructs.tables import Tables


class StatefulStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: Config, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.key = kms.Key(
            self,
            "DataKey",
            description="consentmail data at rest: tables, signing secret, queues, topics, transfer files",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        allow_key_users(self.key)
        self.tables = Tables(self, "Tables", key=self.key)
        self.signing = SigningSecret(self, "Signing", key=self.key)
        self.auth = AccountAuth(self, "Auth")

        CfnOutput(self, "UserPoolId", value=self.auth.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=self.auth.client.user_pool_client_id)
        CfnOutput(self, "SigningSecretName", value=self.signing.secret.secret_name)
