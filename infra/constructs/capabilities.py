"""One construct per capability of the service: its function(s) and exactly the permissions the
capability needs, given with `grant_*` only. The queue- and event-driven capabilities (sending,
SES events, purge) are in their own modules."""

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from constructs import Construct

from consentmail.core.routes import Function
from consentmail.core.tables import Table as T
from infra.constructs.function import ServiceFunction
from infra.constructs.shared import ServiceResources
from infra.timeouts import API_SECONDS

# API Gateway gives up after 29 s; the function stops first so the log says why.
API_TIMEOUT = Duration.seconds(API_SECONDS)

COGNITO_ACCOUNT_ACTIONS = (
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminSetUserPassword",
    # Rolls back a user whose password the pool refused, so a retry can create it again.
    "cognito-idp:AdminDeleteUser",
    # Closing an account: sign-in stops and refresh tokens are revoked at once.
    "cognito-idp:AdminDisableUser",
    "cognito-idp:AdminUserGlobalSignOut",
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminInitiateAuth",
)


def _function(scope: Construct, shared: ServiceResources, function: Function, description: str, **kw):
    return ServiceFunction(
        scope,
        "Handler",
        function=function,
        description=description,
        layers=shared.layers,
        environment=shared.environment,
        timeout=kw.pop("timeout", API_TIMEOUT),
        **kw,
    )


class Subscription(Construct):
    """Website-form subscribe, double opt-in confirmation, unsubscribe, preferences."""

    def __init__(self, scope: Construct, construct_id: str, *, shared: ServiceResources) -> None:
        super().__init__(scope, construct_id)
        self.handler = _function(
            self, shared, Function.SUBSCRIPTION, "Subscribe, confirm, unsubscribe, preferences"
        )
        role = self.handler.role
        shared.read(self.handler, T.LISTS, T.SUPPRESSION)
        shared.read_write(self.handler, T.CONTACTS, T.CONSENT)
        # An unsubscribe is counted on the campaign last sent to the contact (its send marker).
        shared.read_write(self.handler, T.EVENTS, T.CAMPAIGNS)
        shared.secret.grant_read(role)
        shared.mailing.grant_send(role)
        self.handler.acknowledge_wildcards()


class Tracking(Construct):
    """Open pixel and click redirect, for contacts who allow tracking."""

    def __init__(self, scope: Construct, construct_id: str, *, shared: ServiceResources) -> None:
        super().__init__(scope, construct_id)
        self.handler = _function(self, shared, Function.TRACKING, "Open pixel and click redirect")
        role = self.handler.role
        shared.read_write(self.handler, T.EVENTS, T.CAMPAIGNS)
        shared.read(self.handler, T.CONTACTS)
        shared.secret.grant_read(role)
        self.handler.acknowledge_wildcards()


class Accounts(Construct):
    """Accounts, login, lists, contacts, campaigns and their statistics."""

    def __init__(self, scope: Construct, construct_id: str, *, shared: ServiceResources) -> None:
        super().__init__(scope, construct_id)
        # CSV imports of 10,000 rows: more memory is also more CPU.
        self.handler = _function(
            self, shared, Function.ACCOUNTS, "Accounts, auth, lists, contacts, campaigns", memory_size=1024
        )
        role = self.handler.role
        shared.read_write(
            self.handler, T.ACCOUNTS, T.LISTS, T.CONTACTS, T.CONSENT, T.CAMPAIGNS, T.CONTENT, T.EVENTS
        )
        # Deletion receipts: read only (GET /account/retention); only the purge and erasures write them.
        shared.read(self.handler, T.SUPPRESSION, T.RECEIPTS)
        shared.user_pool.grant(role, *COGNITO_ACCOUNT_ACTIONS)
        shared.queues.fanout.grant_send_messages(role)
        shared.secret.grant_read(role)
        shared.mailing.grant_send(role)
        self.handler.acknowledge_wildcards()


class SubjectRequests(Construct):
    """GDPR access, rectification and erasure requests, verified by emailed link."""

    def __init__(self, scope: Construct, construct_id: str, *, shared: ServiceResources) -> None:
        super().__init__(scope, construct_id)
        self.handler = _function(self, shared, Function.SUBJECT_REQUESTS, "GDPR subject requests")
        role = self.handler.role
        shared.read_write(
            self.handler, T.REQUESTS, T.CONTACTS, T.CONSENT, T.EVENTS, T.ACCOUNTS, T.SUPPRESSION, T.LISTS
        )
        # An erasure's receipt, written once and never read, changed or deleted here; the key that
        # signs it is derived from the secret read below.
        receipts = shared.tables[T.RECEIPTS]
        # The table itself only (Table.grant would add its indexes, which a PutItem never needs).
        iam.Grant.add_to_principal(
            grantee=role, actions=["dynamodb:PutItem"], resource_arns=[receipts.table_arn]
        )
        if receipts.encryption_key:
            receipts.encryption_key.grant_encrypt(role)
        shared.secret.grant_read(role)
        shared.mailing.grant_send(role)
        # An erased address leaves SES's account-level suppression list too.
        iam.Grant.add_to_principal(
            grantee=role, actions=["ses:DeleteSuppressedDestination"], resource_arns=["*"]
        )
        self.handler.acknowledge_wildcards(
            also="ses:DeleteSuppressedDestination acts on the account-level suppression list, which has "
            "no resource ARN, so it too can only be granted on *."
        )
