"""The signing secret: the keys behind tokens and keyed address hashes, in Secrets Manager,
encrypted with the customer-managed key, seeded on first deployment by a small custom resource
(see signing_secret_seed.py for why it cannot be a generated string)."""

from pathlib import Path

from aws_cdk import CustomResource, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.constructs.layers import ARCHITECTURE, RUNTIME
from infra.constructs.nag import acknowledge

SECRET_NAME = "consentmail/signing-keys"  # noqa: S105 - a name, not a value
SEED_HANDLER = Path(__file__).with_name("signing_secret_seed.py")


class SigningSecret(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            secret_name=SECRET_NAME,
            description="consentmail signing and hashing keys (keyring JSON, see signing_keys.py)",
            encryption_key=key,
            # A throw-away placeholder, replaced by the keyring at the first deployment.
            generate_secret_string=secretsmanager.SecretStringGenerator(
                exclude_punctuation=True, password_length=64
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.secret,
            "AwsSolutions-SMG4",
            "Not rotated by a Secrets Manager schedule: the keyring is rotated by adding a key and "
            "moving `current` while older keys stay to verify tokens already emailed, and the hash key "
            "must never change (keyed address hashes must stay comparable); a generic rotation function "
            "would replace the whole value and invalidate both.",
        )

        log_group = logs.LogGroup(
            self, "SeedLogs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY
        )
        role = iam.Role(
            self,
            "SeedRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="consentmail signing secret seeding (first deployment)",
        )
        log_group.grant_write(role)
        self.secret.grant_read(role)
        self.secret.grant_write(role)
        seeder = lambda_.Function(
            self,
            "Seed",
            description="Puts the first keyring into the consentmail signing secret",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler="index.handler",
            code=lambda_.Code.from_inline(SEED_HANDLER.read_text()),
            role=role,
            timeout=Duration.seconds(30),
            memory_size=256,
            log_group=log_group,
            logging_format=lambda_.LoggingFormat.JSON,
        )
        acknowledge(
            seeder,
            "AwsSolutions-L1",
            "Runs once per deployment as a custom resource; kept on the same Python 3.13 runtime as the "
            "service functions so the project has one runtime to test and upgrade.",
        )
        self.seed = CustomResource(
            self,
            "Keyring",
            service_token=seeder.function_arn,
            resource_type="Custom::SigningKeyring",
            properties={"SecretId": self.secret.secret_arn},
        )
        self.seed.node.add_dependency(role)
