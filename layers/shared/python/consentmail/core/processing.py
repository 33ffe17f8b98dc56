"""What each table holds and why: the data categories, the people they concern and the purposes,
as the records of processing (GDPR art. 30) state them. Kept next to `tables.py` so a new table
cannot ship without saying what it holds: `tests/unit/test_compliance_documents.py` checks that
every table is described, and `docs/records-of-processing.md` is generated from this module, the
tables, the retention periods and the region guard (`make compliance`)."""

from dataclasses import dataclass

from consentmail.core.tables import Table


@dataclass(frozen=True)
class Processing:
    holds: str  # the data categories, in a reader's words
    subjects: str  # whose data it is
    purpose: str
    retention: str  # how long, in words that name the period of core/retention.py it follows
    personal: bool = True


PROCESSING: dict[Table, Processing] = {
    Table.ACCOUNTS: Processing(
        "account holders' profile (name, title, company, VAT number, postal address, phone, country, "
        "sign-in address, privacy-policy acceptances), notifications, keyed hashes of sign-in "
        "addresses, failed-login counters; large imports' and exports' status (counts, the line and "
        "reason of rejected rows, never their values; the importing holder's IP address and user "
        "agent, for the consent ledger)",
        "account holders (the controllers' staff)",
        "run the account, sign-in and its lockout, tell holders of subject requests, report on imports "
        "and exports",
        "until closure, then at most {account} (finished {recovery} days before); an import's report "
        "{import_report}, an export's status {export_status}",
    ),
    Table.LISTS: Processing(
        "list settings: name, sender address and name, redirect pages, language",
        "account holders",
        "send from the list's sender; serve its subscribe form",
        "until deleted, or closure + at most {account}",
    ),
    Table.CONTACTS: Processing(
        "contacts: email address, first and last name, attributes the account holder adds, status, "
        "tracking consent, keyed hash of the address",
        "recipients (the controllers' contacts)",
        "send the campaigns the contact subscribed to; honour unsubscribes and preferences",
        "until unsubscribed and deleted by the holder, erased by the subject, or closure + at most {account}",
    ),
    Table.CONSENT: Processing(
        "the consent ledger: keyed hash of the address, action, time, IP address, user agent, source, "
        "the text shown",
        "recipients",
        "prove consent (GDPR art. 7(1)) and its withdrawal",
        "as long as the contact's account (closure + at most {account}); erased on request",
    ),
    Table.CAMPAIGNS: Processing(
        "campaign metadata (list, status, dates) and per-campaign counters",
        "none directly (counts of recipients)",
        "run sends; campaign statistics for the account holder",
        "until deleted, or closure + at most {account}",
        personal=False,
    ),
    Table.CONTENT: Processing(
        "campaign subject, HTML and text as the account holder wrote them",
        "account holders (authors); recipients only if the holder writes about them",
        "build and send the campaign's emails",
        "{content} after the last of creation, edit and send start; no backups",
    ),
    Table.EVENTS: Processing(
        "per contact and campaign: the send marker (the send and the first time of its delivery, "
        "open and click, by a person or a machine, with the links clicked as hashes; never the IP "
        "address or user agent), bounce, complaint and delivery-delay events (time, SES's detail)",
        "recipients",
        "statistics, suppression of bounced and complaining addresses, the subject's export",
        "{events} after the event; no backups",
    ),
    Table.REQUESTS: Processing(
        "subject requests: keyed hash of the address, type, status, received and due dates; while "
        "open, the address and the requested changes; per-address rate-limit counters",
        "recipients who exercise their rights",
        "carry out GDPR access, rectification and erasure within 30 days; prove it was done",
        "7 days if never verified; once done, 13 months with the keyed hash only",
    ),
    Table.SUPPRESSION: Processing(
        "keyed hash of the address with the scope (one account, erased everywhere, or an erasure "
        "under way), reason and time",
        "recipients",
        "never send to a bounced, complaining or erased address; keep an erasure's opt-out; refuse "
        "every write about an address while its erasure is carried out",
        "per-account: with the account; erased: for good, as a keyed hash only; an erasure's "
        "tombstone: {tombstone}",
    ),
    Table.RECEIPTS: Processing(
        "deletion receipts: run time, kind of data, account id, counts, deadlines, lateness, signature",
        "none (account ids and counts only)",
        "prove that retention and erasures ran on time (GDPR art. 5(2) accountability)",
        "{receipts} after the run",
        personal=False,
    ),
}
