"""CSV import and export of a list's contacts.

Import: a header row, then one contact per row. Known columns are `email`, `first_name`,
`last_name`, `tracking_consent` and the consent proof (`consent_source`, `consent_obtained_at`,
`consent_text`); the columns an export adds (`contact_id`, `status`, `created_at`) are ignored,
so an export imports back; every other column goes into `attributes`. A bad row is reported
with its line and reason and never stops the good ones. At most `MAX_ROWS` rows per request: a
larger file takes the asynchronous import (`POST /lists/{list_id}/imports`).

The file's encoding is detected, never guessed into mojibake: UTF-8 with or without a byte order
mark, UTF-16 with one; a file that is not UTF-8 is read as Windows-1252 (Excel's "CSV" on Western
systems, a superset of Latin-1's printable characters). Anything else (UTF-16 without a BOM, for
one) is refused with a 422 that names the encodings accepted. Column names other than the known
ones must follow the attribute-name rules (`consentmail.core.attribute_names`).

Without a proof column, the proof is the account holder's attestation given with the request
(query parameters, or by default the import itself: who imported, when, from which IP).
"""

import codecs
import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from consentmail.audience.contacts import ERASED_REFUSAL, ContactService
from consentmail.audience.models import ContactOut, RejectedRow
from consentmail.core import attribute_names, header_text
from consentmail.core.addresses import email_hash, normalize
from consentmail.core.clock import iso, parse_iso
from consentmail.core.errors import FieldError, InvalidInput, PayloadTooLarge
from consentmail.core.records import ConsentProof, Contact, MailingList, Visitor
from consentmail.core.sensitive_data import problems

# The synchronous import answers within the accounts function's 25 s: measured in local mode
# (docs/scaling.md, `python -m bench.import_timing`), 2,000 new rows take 8 to 13 s (5,000 took about
# 25 s), every row created by a conditional put (16 at a time) with its consent-ledger entries.
# Larger files take the asynchronous route.
MAX_ROWS = 2_000
LARGE_IMPORT_ROUTE = "POST /lists/{list_id}/imports"
KNOWN = ("email", "first_name", "last_name", "tracking_consent")
PROOF = ("consent_source", "consent_obtained_at", "consent_text")
IGNORED = ("contact_id", "status", "created_at")
_TRUE = {"true", "yes", "1", "on", "y", "oui"}
_FALSE = {"false", "no", "0", "off", "n", "non", ""}
DEFAULT_SOURCE = "import"
DEFAULT_TEXT = "The account holder attests that this contact consented to receive its emails."
ALREADY_ON_LIST = "the address is already on the list"


@dataclass
class ImportOutcome:
    imported: int
    rejected: list[RejectedRow]


@dataclass
class ImportRow:
    """A row that passed every per-row rule, ready to become a contact."""

    line: int
    address: str
    hashed: str
    first_name: str
    last_name: str
    tracking_consent: bool
    attributes: dict
    proof: ConsentProof


ENCODINGS_ACCEPTED = (
    "UTF-8 (with or without a byte order mark), UTF-16 with a byte order mark, or Windows-1252"
)


def decode_csv(raw: bytes) -> str:
    """The CSV file's text, whichever of the accepted encodings it is in, or a 422 naming them."""
    if raw.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8", "cp1252")
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        # NUL characters mean a UTF-16 file without its byte order mark (or no text at all).
        if "\x00" not in text:
            return text
    raise InvalidInput(
        f"The CSV file could not be read: save it as {ENCODINGS_ACCEPTED}.",
        [FieldError("body", f"expected {ENCODINGS_ACCEPTED}")],
    )


def check_header(header: list[str]) -> None:
    """The header needs an `email` column, and every column that becomes an attribute a name that
    follows the rules; empty column names (a trailing separator) are skipped, as before."""
    if "email" not in header:
        raise InvalidInput(
            "The header row has no `email` column.", [FieldError("body", "needs an email column")]
        )
    found = []
    for position, name in enumerate(header, start=1):
        if not name or name in (*KNOWN, *PROOF, *IGNORED):
            continue
        message = attribute_names.name_problem(name)
        if message:
            found.append(FieldError(f"header.column{position}", message))
    if found:
        raise InvalidInput(
            "The header row has column names that cannot be attribute names: "
            + "; ".join(f"{e.field}: {e.message}" for e in found),
            found,
        )


def _rows(body: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    text = body.lstrip("\ufeff")
    if not text.strip():
        raise InvalidInput("The CSV body is empty.", [FieldError("body", "a header row and contact rows")])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
        rows: list[tuple[int, list[str]]] = []
        line = reader.line_num
        for row in reader:
            if not is_blank(row):
                rows.append((line + 1, row))
                if len(rows) > MAX_ROWS:
                    raise PayloadTooLarge(
                        f"This route imports at most {MAX_ROWS:,} rows in one request; import a larger "
                        f"file with {LARGE_IMPORT_ROUTE} (up to 1,000,000 rows), or split it."
                    )
            line = reader.line_num
    except csv.Error as error:
        raise InvalidInput(f"The CSV is malformed near line {reader.line_num}.") from error
    check_header(header)
    return header, rows


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("tracking_consent must be true or false")


def _proof(cells: dict[str, str], default: ConsentProof) -> ConsentProof:
    if not any(cells.get(name, "").strip() for name in PROOF):
        return default
    try:
        return ConsentProof(
            source=cells.get("consent_source", "").strip() or default.source,
            obtained_at=parse_iso(cells["consent_obtained_at"].strip())
            if cells.get("consent_obtained_at", "").strip()
            else default.obtained_at,
            text=cells.get("consent_text", "").strip() or default.text,
        )
    except ValueError as error:
        raise ValueError("consent_obtained_at is not an ISO 8601 date") from error


def read_row(
    header: list[str], line: int, cells: list[str], proof: ConsentProof, seen: dict[str, int]
) -> ImportRow:
    """One data row checked by every per-row rule: the address, no second row of the same address
    (`seen`: address hash -> its line), tracking consent, the proof columns, names safe in email
    headers, no sensitive data. ValueError says why a row is refused, never echoing its values."""
    values = {name: cells[i].strip() if i < len(cells) else "" for i, name in enumerate(header) if name}
    try:
        address = normalize(values.get("email", ""))
    except InvalidInput as error:
        raise ValueError("not a valid email address") from error
    hashed = email_hash(address)
    if hashed in seen:
        raise ValueError(f"the same address as line {seen[hashed]}")
    attributes = {
        name: value for name, value in values.items() if name not in (*KNOWN, *PROOF, *IGNORED) and value
    }
    row = ImportRow(
        line=line,
        address=address,
        hashed=hashed,
        first_name=values.get("first_name", "")[:100],
        last_name=values.get("last_name", "")[:100],
        tracking_consent=_bool(values.get("tracking_consent", "")),
        attributes=attributes,
        proof=_proof(values, proof),
    )
    for field in ("first_name", "last_name"):
        unsafe = header_text.problem(getattr(row, field))
        if unsafe:
            raise ValueError(f"{field} {unsafe}")
    found = problems({"first_name": row.first_name, "last_name": row.last_name}, attributes)
    if found:
        raise ValueError("; ".join(f"{e.field} {e.message}" for e in found))
    return row


def is_blank(cells: list[str]) -> bool:
    """A row with nothing in it (an empty line, or only separators): skipped, not counted."""
    return not any(cell.strip() for cell in cells)


def default_proof(
    at: datetime, source: str | None, text: str | None, obtained_at: datetime | None
) -> ConsentProof:
    return ConsentProof(
        source=source or DEFAULT_SOURCE, obtained_at=obtained_at or at, text=text or DEFAULT_TEXT
    )


def to_contacts(
    service: ContactService, mailing_list: MailingList, rows: list[ImportRow], at: datetime
) -> tuple[list[tuple[ImportRow, Contact]], list[tuple[int, str]]]:
    """The contacts these rows become (not stored yet), an address the account's own sends bounced
    on or got a complaint from keeping that status; and (line, reason) of the rows refused because
    their address was erased at its subject's request."""
    suppressions = service.suppression.of_many([r.hashed for r in rows], mailing_list.account_id, at)
    contacts: list[tuple[ImportRow, Contact]] = []
    refused: list[tuple[int, str]] = []
    for row in rows:
        try:
            contact = service.new_contact(
                mailing_list,
                address=row.address,
                first_name=row.first_name,
                last_name=row.last_name,
                attributes=row.attributes,
                tracking_consent=row.tracking_consent,
                proof=row.proof,
                double_opt_in=False,
                suppression=suppressions.get(row.hashed),
                at=at,
            )
        except InvalidInput:
            refused.append((row.line, ERASED_REFUSAL))
            continue
        contacts.append((row, contact))
    return contacts, refused


def import_csv(
    service: ContactService,
    account_id: str,
    list_id: str,
    body: str | bytes,
    proof: ConsentProof,
    visitor: Visitor,
    at: datetime,
) -> ImportOutcome:
    mailing_list = service.list_service.get(account_id, list_id, at)
    header, rows = _rows(decode_csv(body) if isinstance(body, bytes) else body)
    rejected: list[RejectedRow] = []
    valid: list[ImportRow] = []
    seen: dict[str, int] = {}
    for line, cells in rows:
        try:
            row = read_row(header, line, cells, proof, seen)
        except ValueError as error:
            rejected.append(RejectedRow(line=line, reason=str(error)))
            continue
        seen[row.hashed] = line
        valid.append(row)

    contacts, refused = to_contacts(service, mailing_list, valid, at)
    rejected += [RejectedRow(line=line, reason=reason) for line, reason in refused]

    existing = service.bulk.existing(mailing_list.list_id, [c.contact_id for _, c in contacts], at)
    new: list[Contact] = []
    lines: dict[str, int] = {}
    for row, contact in contacts:
        if contact.contact_id in existing:
            rejected.append(RejectedRow(line=row.line, reason=ALREADY_ON_LIST))
        else:
            new.append(contact)
            lines[contact.contact_id] = row.line
    # Each created only if still absent (added meanwhile by a form, the API or another import, it
    # stays as it is), and taken back as it is written if its address is being erased meanwhile
    # (the suppressions read above came just before the erasure).
    created = service.store_imported(new, visitor, at)
    service.contacts.counts.add(mailing_list.list_id, created.counts)
    rejected += [
        RejectedRow(line=lines[contact_id], reason=ALREADY_ON_LIST) for contact_id in created.existed
    ]
    rejected += [RejectedRow(line=lines[contact_id], reason=ERASED_REFUSAL) for contact_id in created.erased]
    rejected.sort(key=lambda r: r.line)
    return ImportOutcome(len(new) - len(created.existed) - len(created.erased), rejected)


# --- export ----------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "contact_id",
    "email",
    "first_name",
    "last_name",
    "status",
    "tracking_consent",
    "created_at",
    "consent_source",
    "consent_obtained_at",
    "consent_text",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """Spreadsheets run cells that start like a formula: such text is prefixed with a quote,
    except a plain number or phone number ("+33 6 12 34 56 78")."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and not all(c.isdigit() or c in "+-(). " for c in text):
        return "'" + text
    return text


def csv_header(names: list[str]) -> list[str]:
    """The export's header: the contract's fields, the consent proof, then one column per
    attribute. Attribute names are header cells, neutralized like every other cell (names saved
    before the attribute-name rules existed may start like a formula)."""
    return [*EXPORT_COLUMNS, *(_cell(name) for name in names)]


def csv_cells(contact: Contact, names: list[str]) -> list[str]:
    """One contact's row of the export, every cell neutralized."""
    row = ContactOut.of(contact)
    consent = row.consent
    return [
        _cell(v)
        for v in (
            row.contact_id,
            row.email,
            row.first_name,
            row.last_name,
            row.status.value,
            "true" if row.tracking_consent else "false",
            iso(row.created_at),
            consent.source if consent else "",
            iso(consent.obtained_at) if consent else "",
            consent.text if consent else "",
            *(row.attributes.get(name, "") for name in names),
        )
    ]


def csv_lines(rows: Iterable[list[str]]) -> str:
    """Rows as CSV text, CRLF line ends (what spreadsheets expect)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def contacts_csv(contacts: Iterable[Contact]) -> str:
    """The list as CSV: the contract's fields, the consent proof, then one column per attribute."""
    contacts = list(contacts)
    names = sorted({name for contact in contacts for name in contact.attributes})
    return csv_lines([csv_header(names), *(csv_cells(contact, names) for contact in contacts)])
