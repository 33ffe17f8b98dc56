"""The promise registry: every privacy and safety promise consentmail makes, with the code that
keeps it and the deployed resources that carry it. Tests declare which promise they prove with
`@pytest.mark.promise("<id>")`; `tests/unit/test_promises.py` fails when a promise has no test, a
marker names an unknown promise, or a module listed here does not exist. `docs/compliance.md` is
generated from this registry (`make compliance`), so the document cannot drift from the code.

Modules are named as Python modules (`consentmail.store.consent`, `infra.regions`), so the
registry holds no file-system paths; the compliance tool resolves them.
"""

from dataclasses import dataclass
from enum import StrEnum


class Carrier(StrEnum):
    """Deployed resources that carry a promise; the compliance document describes each from its
    own source of truth (tables, retention, region guard, the CDK constructs)."""

    TTL = "ttl"
    PURGE_SCHEDULE = "purge_schedule"
    RECOVERY = "point_in_time_recovery"
    REGION_GUARD = "region_guard"
    KMS = "kms"
    SIGNING_KEYS = "signing_keys"
    RECEIPTS = "receipts"
    ALARMS = "alarms"
    COGNITO = "cognito"
    SES_CONFIGURATION_SET = "ses_configuration_set"


@dataclass(frozen=True)
class Promise:
    id: str
    statement: str
    modules: tuple[str, ...]
    carriers: tuple[Carrier, ...] = ()


PROMISES: tuple[Promise, ...] = (
    Promise(
        "consent.ledger",
        "Every subscription, confirmation, tracking-consent change and withdrawal is a new consent-ledger "
        "entry (when, IP, user agent, source, the text shown); nothing overwrites an entry.",
        (
            "consentmail.store.consent",
            "consentmail.subscription.service",
            "consentmail.subscription.preferences",
        ),
        (Carrier.KMS, Carrier.RECOVERY),
    ),
    Promise(
        "consent.double_opt_in",
        "A subscription stays pending, and is never sent a campaign, until the address confirms the "
        "link emailed to it; the link is signed and expires after 7 days.",
        (
            "consentmail.subscription.service",
            "consentmail.subscription.optin_email",
            "consentmail.core.tokens",
        ),
        (Carrier.SIGNING_KEYS,),
    ),
    Promise(
        "consent.optin_throttle",
        "At most one opt-in email per address and list per 10 minutes, and none to an address already "
        "confirmed or suppressed, so a form cannot be used to flood a mailbox.",
        ("consentmail.subscription.service", "consentmail.store.contacts"),
    ),
    Promise(
        "consent.no_enumeration",
        "Subscribe and subject-request forms answer identically whatever the state of the address, so "
        "they reveal nothing about who is on a list.",
        ("consentmail.subscription.service", "consentmail.subject_requests.service"),
    ),
    Promise(
        "consent.withdrawal_holds",
        "A withdrawal holds: an old opt-in link, whether or not it was used, cannot bring back a person "
        "who unsubscribed or was marked unsubscribed; only a new subscription with a new opt-in does.",
        ("consentmail.subscription.service", "consentmail.store.contacts"),
    ),
    Promise(
        "unsubscribe.every_email",
        "Every campaign email carries a per-recipient unsubscribe link and the RFC 2369 / RFC 8058 "
        "one-click headers, and one POST unsubscribes without a cookie or a login.",
        ("consentmail.mail.campaign_email", "consentmail.subscription.service", "consentmail.core.links"),
    ),
    Promise(
        "tracking.consent_only",
        "The open pixel and rewritten links are added only for contacts who allowed tracking; "
        "withdrawing it stops recording at once, including hits on earlier emails.",
        (
            "consentmail.mail.campaign_email",
            "consentmail.mail.html_transform",
            "consentmail.tracking.service",
        ),
    ),
    Promise(
        "tracking.verdict_not_ip",
        "Tracking stores a person-or-machine verdict, never the raw IP address or user agent.",
        ("consentmail.tracking.machine", "consentmail.tracking.service", "consentmail.store.events"),
    ),
    Promise(
        "http.no_cookies",
        "No route sets a cookie.",
        ("consentmail.web.api", "consentmail.web.pages"),
    ),
    Promise(
        "statistics.counted",
        "Sent, delivered, open, click, bounce, complaint and unsubscribe are counted per campaign from "
        "SES events and tracking hits, with rates over the contract's denominators.",
        ("consentmail.campaigns.stats", "consentmail.ses_events.processing", "consentmail.store.counters"),
        (Carrier.SES_CONFIGURATION_SET,),
    ),
    Promise(
        "suppression.bounces_complaints",
        "A permanent bounce or a complaint suppresses the address for that account; suppressed, "
        "unsubscribed and erased contacts are never sent to.",
        ("consentmail.ses_events.processing", "consentmail.store.suppression", "consentmail.sending.sender"),
        (Carrier.SES_CONFIGURATION_SET,),
    ),
    Promise(
        "rights.verified_requests",
        "Subject requests are carried out only after the address confirms an emailed link, and carry a "
        "due date 30 days after receipt; nothing is looked up before verification.",
        ("consentmail.subject_requests.service", "consentmail.store.requests", "consentmail.core.retention"),
        (Carrier.SIGNING_KEYS,),
    ),
    Promise(
        "rights.access",
        "An access request gets everything held about the address in every account: contacts, "
        "consent records, events, suppressions and requests.",
        ("consentmail.subject_requests.service", "consentmail.store.subject_data"),
    ),
    Promise(
        "rights.rectification",
        "A rectification applies the changes to every contact holding the address and records it.",
        ("consentmail.subject_requests.service", "consentmail.store.subject_data"),
    ),
    Promise(
        "rights.erasure",
        "An erasure deletes the address's contacts, consent records, events and pending messages in "
        "every table and keeps only a keyed hash on the suppression list; account holders are told "
        "without the address.",
        (
            "consentmail.subject_requests.service",
            "consentmail.store.subject_data",
            "consentmail.store.suppression",
        ),
        (Carrier.RECEIPTS,),
    ),
    Promise(
        "rights.deadline_watch",
        "Confirmed subject requests still open within 5 days of their due date are reported to the "
        "operator (log line, metric, operator topic).",
        ("consentmail.purge.service", "consentmail.store.requests"),
        (Carrier.PURGE_SCHEDULE, Carrier.ALARMS),
    ),
    Promise(
        "lists.export_edit_delete",
        "Account holders export their lists as CSV or JSON, edit and delete contacts and lists at any "
        "time; deleting a list deletes its contacts and their consent records.",
        ("consentmail.audience.lists", "consentmail.audience.contacts", "consentmail.audience.imports"),
    ),
    Promise(
        "accounts.isolation",
        "An id of another account answers 404, exactly as an id that does not exist.",
        ("consentmail.web.auth", "consentmail.audience.lists", "consentmail.campaigns.service"),
    ),
    Promise(
        "sensitive_data.refused",
        "Government ids, card numbers, bank accounts and health data in contact attributes or campaign "
        "content are refused with an error naming the field and category, never echoing the value.",
        ("consentmail.core.sensitive_data",),
    ),
    Promise(
        "retention.content.6d",
        "Message content is kept 6 days after the last of creation, edit and send start: absent to "
        "every read from then, deleted by the hourly purge, TTL as backstop, no backups.",
        ("consentmail.core.retention", "consentmail.store.content", "consentmail.purge.service"),
        (Carrier.TTL, Carrier.PURGE_SCHEDULE, Carrier.RECOVERY, Carrier.RECEIPTS),
    ),
    Promise(
        "retention.events.13m",
        "Event data is kept 13 calendar months after the event: absent to every read from then, "
        "deleted by the hourly purge, TTL as backstop, no backups.",
        (
            "consentmail.core.retention",
            "consentmail.store.events",
            "consentmail.store.counters",
            "consentmail.purge.service",
        ),
        (Carrier.TTL, Carrier.PURGE_SCHEDULE, Carrier.RECOVERY, Carrier.RECEIPTS),
    ),
    Promise(
        "retention.account.3m",
        "A closed account's data is gone at most 3 calendar months after closure; login stops at closure.",
        ("consentmail.accounts.service", "consentmail.store.closed_accounts", "consentmail.purge.service"),
        (Carrier.TTL, Carrier.PURGE_SCHEDULE, Carrier.COGNITO, Carrier.RECEIPTS),
    ),
    Promise(
        "retention.transfer_files",
        "The files of large imports and exports (personal data) are kept at most a day: an upload is "
        "deleted once imported, the hourly purge deletes any file a day old, and the bucket's lifecycle "
        "rule is the backstop; the bucket is private, KMS-encrypted and TLS-only, and each function "
        "reaches only its own prefix.",
        (
            "consentmail.core.retention",
            "consentmail.adapters.s3",
            "consentmail.audience.bulk_import",
            "consentmail.purge.service",
            "infra.constructs.transfers",
        ),
        (Carrier.PURGE_SCHEDULE, Carrier.KMS),
    ),
    Promise(
        "retention.backups",
        "No backup outlives a retention deadline: content and events have no point-in-time recovery, "
        "and a closed account is finished its tables' recovery period (and an hour) before its deadline.",
        ("consentmail.core.tables", "consentmail.purge.service", "infra.constructs.tables"),
        (Carrier.RECOVERY,),
    ),
    Promise(
        "retention.receipts",
        "Every deletion the purge and erasures carry out leaves a signed receipt (counts and deadlines, "
        "no personal data) that the account holder can read and the operator can audit; a late "
        "deletion raises the operator's alarm.",
        (
            "consentmail.core.receipts",
            "consentmail.receipts.service",
            "consentmail.store.receipts",
            "consentmail.purge.service",
        ),
        (Carrier.RECEIPTS, Carrier.SIGNING_KEYS, Carrier.ALARMS),
    ),
    Promise(
        "input.header_safe",
        "Text that would break an email header (line breaks, control characters) in a list name, sender "
        "name, subject or contact name is refused when it is saved, with a 422 naming the field.",
        ("consentmail.core.header_text", "consentmail.audience.lists", "consentmail.campaigns.service"),
    ),
    Promise(
        "http.per_client_limits",
        "Sensitive routes carry a per-client rate limit, enforced by AWS WAF, under the route's own "
        "throttle: one client spending its allowance is refused with a 429 and cannot lock others out.",
        ("consentmail.core.routes", "infra.constructs.waf"),
    ),
    Promise(
        "sending.throttled_no_loss",
        "A send that SES throttles loses no email and sends none twice: throttled batches are retried "
        "with backoff until every recipient got exactly one email.",
        ("consentmail.sending.sender", "consentmail.sending.pacing"),
        (Carrier.SES_CONFIGURATION_SET,),
    ),
    Promise(
        "region.eu_only",
        "Data stays in the EU: the CDK app refuses any region outside its list of EU regions.",
        ("infra.regions", "infra.app"),
        (Carrier.REGION_GUARD,),
    ),
    Promise(
        "encryption.at_rest",
        "Tables, the signing secret, queues, topics and the transfer bucket are encrypted with "
        "one customer-managed KMS key that rotates.",
        (
            "infra.stacks.stateful",
            "infra.constructs.key_users",
            "infra.constructs.tables",
            "infra.constructs.queues",
            "infra.constructs.transfers",
        ),
        (Carrier.KMS,),
    ),
    Promise(
        "passwords.cnil",
        "Account passwords have at least 8 characters with a letter, a digit and a special character, "
        "checked before the account is created, with Cognito's policy as the second line.",
        ("consentmail.accounts.passwords", "infra.constructs.auth"),
        (Carrier.COGNITO,),
    ),
    Promise(
        "login.lockout",
        "After 10 consecutive failed logins an address is refused for 15 minutes, with the same answer "
        "as a wrong password; unknown users and wrong passwords are indistinguishable.",
        ("consentmail.accounts.service", "consentmail.store.accounts"),
        (Carrier.COGNITO,),
    ),
    Promise(
        "logs.masked",
        "No log line holds a raw email address: every function logs through a masking formatter, and "
        "API access logs hold no IP, user agent or token-bearing path.",
        ("consentmail.core.log_masking", "consentmail.core.logs", "infra.constructs.api"),
    ),
    Promise(
        "webhook.verified",
        "SES events over SNS HTTPS are processed only after the SNS signature, certificate host and "
        "topic are verified; anything unverified changes nothing.",
        ("consentmail.ses_events.sns_verify", "consentmail.ses_events.webhook"),
    ),
)

BY_ID: dict[str, Promise] = {promise.id: promise for promise in PROMISES}


def promise(promise_id: str) -> Promise:
    """The promise with this id; KeyError naming the id when there is none."""
    try:
        return BY_ID[promise_id]
    except KeyError:
        raise KeyError(f"no promise {promise_id!r} in consentmail.core.promises") from None
