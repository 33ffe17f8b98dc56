"""The account holders' Cognito user pool and the API's app client. Accounts are created by the
accounts function (AdminCreateUser), never by self sign-up; the API checks the CNIL password rule
first (it can require "a letter", which Cognito cannot), Cognito's policy is the second line."""

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.constructs.nag import acknowledge


class AccountAuth(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True, username=False),
            sign_in_case_sensitive=False,
            password_policy=cognito.PasswordPolicy(
                min_length=8,
                require_digits=True,
                require_symbols=True,
                require_lowercase=False,
                require_uppercase=False,
                temp_password_validity=Duration.days(3),
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            # Threat protection: compromised-credential checks and adaptive blocking of sign-in
            # attempts, on top of Cognito's throttling of repeated failures.
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.user_pool,
            "AwsSolutions-COG1",
            "The contract's password rule is the CNIL's: at least 8 characters with a letter, a number "
            "and a special character. Requiring both an uppercase and a lowercase letter would refuse "
            "passwords the contract accepts; the API checks the letter, Cognito the length, digit, symbol.",
        )
        acknowledge(
            self.user_pool,
            "AwsSolutions-COG2",
            "MFA is optional (TOTP), not required: the contract's login is email + password "
            "(POST /auth/login -> tokens) and the CNIL rule we implement is the password policy; "
            "threat protection (compromised credentials, adaptive authentication) is on in full mode.",
        )
        self.client = self.user_pool.add_client(
            "ApiClient",
            auth_flows=cognito.AuthFlow(user_password=True),
            generate_secret=False,
            prevent_user_existence_errors=True,
            id_token_validity=Duration.hours(1),
            access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
            enable_token_revocation=True,
        )
