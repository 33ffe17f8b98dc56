"""One construct per capability of the service: its function(s) and exactly the permissions the
capability needs, given with `grant_*` only. The queue- and event-driven capabilities (sending,
SES events, purge) are in their own modules."""

from aws_cdk import Duration
from constructs import Construct

from consentmail.core.routes import Function
from consentmail.core.tables import Table as T
from infra.constructs.shared import Needs, ServiceResources, Unrestricted
from infra.timeouts import API_SECONDS

# API Gateway gives up after 29 s; the function stops first so the log says why.
API_TIMEOUT = Duration.seconds(API_SECONDS)

COGNITO_ACCOUNT_ACTIONS = (
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminSetUserPassword",
    # Rolls back a user whose password the pool refused, so a retry can create it again.
    "cognito-idp:AdminDeleteUser",
    # Closing an account (sign-in stops, refresh tokens are revoked at once), and a password reset
    # (AdminSetUserPassword, then every other session signed out).
    "cognito-idp:AdminDisableUser",
    "cognito-idp:AdminUserGlobalSignOut",
)
# Sign-in (InitiateAuth USER_PASSWORD_AUTH), refresh (InitiateAuth REFRESH_TOKEN_AUTH) and sign-out
# (RevokeToken) are Cognito's public, unauthenticated client calls: they need no IAM permission,
# only the app client's id, so the role gets none for them.


class Subscription(Construct):
    """Website-form subscribe, double opt-in confirmation, unsubscribe, preferences."""

    def __init__(self, scope: Construct, construct_id: str, *, shared: ServiceResources) -> None:
        super().__init__(scope, construct_id)
        self.handler = shared.function(
            self,
            "Handler",
            function=Function.SUBSCRIPTION,
            description="Subscribe, confirm, unsubscribe, preferences",
            timeout=API_TIMEOUT,
            needs=Needs(
                # An unsubscribe is counted on the campaign last sent to the contact (its send
                # marker). Suppression: every write checks the address's erasure tombstone, and a
                # confirmation lifts the ERASED suppression of a person who subscribed again.
                writes=(T.CONTACTS, T.CONSENT, T.EVENTS, T.CAMPAIGNS, T.SUPPRESSION),
                reads=(T.LISTS,),
                # Each subscribe, confirm and unsubscribe moves the list's counts by status.
                counts=(T.LISTS,),
                secret=True,
                email=True,
            ),
        )


class Tracking(Construct):
    """Open pixel and click redirect, for contacts who allow tracking."""

    def __init__(self, scope: Construct, construct_id: str, *, shared: ServiceResources) -> None:
        super().__init__(scope, construct_id)
        self.handler = shared.function(
            self,
            "Handler",
            function=Function.TRACKING,
            description="Open pixel and click redirect",
            timeout=API_TIMEOUT,
            needs=Needs(
                writes=(T.EVENTS, T.CAMPAIGNS),
                reads=(T.CONTACTS,),
                # A hit recorded while its address is being erased is taken back: the erasure's
                # tombstone is read by key right after the write.
                gets=(T.SUPPRESSION,),
                secret=True,
            ),
        )


class Accounts(Construct):
    """Accounts, login, lists, contacts, campaigns and their statistics."""

    def __init__(self, scope: Construct, construct_id: str, *, shared: ServiceResources) -> None:
        super().__init__(scope, construct_id)
        self.handler = shared.function(
            self,
            "Handler",
            function=Function.ACCOUNTS,
            description="Accounts, auth, lists, contacts, campaigns",
            timeout=API_TIMEOUT,
            # CSV imports of 10,000 rows: more memory is also more CPU.
            memory_size=1024,
            needs=Needs(
                writes=(T.ACCOUNTS, T.LISTS, T.CONTACTS, T.CONSENT, T.CAMPAIGNS, T.CONTENT, T.EVENTS),
                # Deletion receipts: read only (GET /account/retention); only the purge and
                # erasures write them.
                reads=(T.SUPPRESSION, T.RECEIPTS),
                cognito=COGNITO_ACCOUNT_ACTIONS,
                send_to=(shared.queues.fanout,),
                secret=True,
                email=True,
            ),
        )


class SubjectRequests(Construct):
    """GDPR access, rectification and erasure requests, verified by emailed link."""

    def __init__(self, scope: Construct, construct_id: str, *, shared: ServiceResources) -> None:
        super().__init__(scope, construct_id)
        self.handler = shared.function(
            self,
            "Handler",
            function=Function.SUBJECT_REQUESTS,
            description="GDPR subject requests",
            timeout=API_TIMEOUT,
            needs=Needs(
                writes=(T.REQUESTS, T.CONTACTS, T.CONSENT, T.EVENTS, T.ACCOUNTS, T.SUPPRESSION, T.LISTS),
                # An erasure's receipt, written once and never read, changed or deleted here; the
                # key that signs it is derived from the secret read below.
                appends=(T.RECEIPTS,),
                secret=True,
                email=True,
                # An erased address leaves SES's account-level suppression list too.
                unrestricted=(
                    Unrestricted(
                        ("ses:DeleteSuppressedDestination",),
                        why="ses:DeleteSuppressedDestination acts on the account-level suppression list, "
                        "which has no resource ARN, so it too can only be granted on *.",
                    ),
                ),
            ),
        )
