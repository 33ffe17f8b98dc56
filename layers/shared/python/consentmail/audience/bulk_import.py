"""Large imports: a list's contacts from a CSV file of up to 1,000,000 rows, uploaded straight to
the transfer bucket and imported by a queue-driven worker in chunks.

`POST /lists/{id}/imports` creates the import (`waiting`) and a presigned PUT URL. The upload's
ObjectCreated event reaches the import queue, and the importer function runs `run`: it first reads
the whole file once (`csv_stream.scan`: encoding, header, every record parses, at most 1,000,000
rows), refusing a bad file whole, then imports it chunk by chunk (`running`) with the per-row rules
of the synchronous import (`imports.read_row`: consent proof columns, sensitive data, names safe in
headers, attribute names; suppression and erasure). Bad rows are reported with line and reason,
good rows kept. When an invocation's time runs short, it puts a continuation message on the same
queue; the last chunk leaves the import `done` and deletes the file.

Resumable, exactly once. After each chunk, one transaction moves the import's checkpoint (byte
offset and line) from where the chunk started to where it ended, conditional on it still being
there, adds the chunk's counts to the import's, and adds its contacts to the list's counts: a
chunk done again after a crash at any point, or by a redelivered message racing a continuation,
is counted once, in the import and in the list. Its rows are written again harmlessly: each
contact is created with a condition (`BulkContacts.create`, the synchronous import's write with
its erasure check, which takes back a contact whose address is being erased: it never overwrites a
contact, so a contact changed meanwhile stays as it is) and carries its import row
(`<import_id>:<line>`), so the import tells its own earlier write (imported) from a contact that
was already on the list (rejected), or from an earlier row of the same file (rejected as a
duplicate); ledger entries have ids derived from the row, so writing them again writes the same
entries. Every row of the file is thus imported or rejected once: `imported + rejected_count ==
rows` when done.

Every contact of an import is created "as of" the moment the import started, as the synchronous
import creates all of its rows at once.
"""

import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from consentmail.adapters.s3 import import_key, import_of_key
from consentmail.audience import csv_stream
from consentmail.audience.contacts import ERASED_REFUSAL, ContactService
from consentmail.audience.imports import ALREADY_ON_LIST, default_proof, read_row, to_contacts
from consentmail.audience.models import ImportIn, ImportMessage
from consentmail.audience.transfers import Transfers
from consentmail.core.clock import now
from consentmail.core.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from consentmail.core.records import (
    FINISHED_TRANSFERS,
    AccountStatus,
    ImportJob,
    MailingList,
    Rejection,
    TransferStatus,
    Visitor,
)
from consentmail.core.retention import IMPORT_REPORT

logger = Logger(child=True)

MAX_ROWS = 1_000_000
# A million rows of a few dozen columns; larger files are split by their owner.
MAX_BYTES = 1024 * 1024 * 1024
# Rows per checkpoint: a chunk is written in about a second (a few BatchGetItem, 1,000 conditional
# puts sixteen at a time, a few dozen BatchWriteItem of ledger entries, ten reads of tombstones), so
# a crash redoes little.
CHUNK_ROWS = 1_000
# The rejected rows an import's status lists (all of them are counted).
REJECTED_KEPT = 1_000
# A reason is ours (never a value of the row), but sensitive-data findings of many columns add up.
REASON_LENGTH = 300
UPLOAD_LIFETIME = timedelta(hours=1)
# Seconds a chunk needs at most, with a wide margin: below this, the rest goes to a new message.
TIME_RESERVE = 30.0

IMPORT_NOT_FOUND = "There is no import with this id."
GAVE_UP = (
    "The import stopped after repeated errors. The rows counted here are on the list; import the "
    "file again for the rest (rows already on the list are reported, never duplicated)."
)


class _Stop(Exception):
    """The import cannot go on; `reason` is what its owner reads."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _row_mark(import_id: str, line: int) -> str:
    return f"{import_id}:{line}"


def _rejection(line: int, reason: str) -> Rejection:
    return Rejection(line=line, reason=reason[:REASON_LENGTH])


class BulkImports(Transfers):
    def __init__(
        self,
        contacts: ContactService | None = None,
        jobs=None,
        bucket=None,
        queues=None,
        chunk_rows: int = CHUNK_ROWS,
    ):
        super().__init__(contacts, jobs, bucket, queues)
        self.chunk_rows = chunk_rows

    # --- the account holder's side --------------------------------------------------------------

    def create(
        self, account_id: str, list_id: str, request: ImportIn, visitor: Visitor, at: datetime
    ) -> tuple[ImportJob, str]:
        """A new import of the list, waiting for its file, and the URL to PUT the file to."""
        mailing_list = self.contacts.list_service.get(account_id, list_id, at)
        job = ImportJob(
            import_id=uuid.uuid4().hex,
            account_id=account_id,
            list_id=mailing_list.list_id,
            created_at=at,
            upload_expires_at=at + UPLOAD_LIFETIME,
            proof=default_proof(
                at, request.consent_source, request.consent_text, request.consent_obtained_at
            ),
            ip=visitor.ip,
            user_agent=visitor.user_agent[:512],
        )
        url = self.bucket.upload_url(import_key(account_id, job.import_id), UPLOAD_LIFETIME)
        self.jobs.create_job(job, IMPORT_REPORT.after(at))
        return job, url

    def status(self, account_id: str, list_id: str, import_id: str, at: datetime) -> ImportJob:
        mailing_list = self.contacts.list_service.get(account_id, list_id, at)
        job = self.jobs.import_job(account_id, import_id, at)
        if job is None or job.list_id != mailing_list.list_id:
            raise NotFound(IMPORT_NOT_FOUND)
        return job

    # --- the worker's side ----------------------------------------------------------------------

    def uploaded(
        self, key: str, at: datetime, time_left: Callable[[], float] = lambda: float("inf")
    ) -> ImportJob | None:
        """A file arrived at `key` (the bucket's ObjectCreated event): import it."""
        ids = import_of_key(key)
        if ids is None:
            logger.warning("an upload outside the imports' keys; ignored")
            return None
        return self.run(*ids, at, time_left)

    def run(
        self,
        account_id: str,
        import_id: str,
        at: datetime,
        time_left: Callable[[], float] = lambda: float("inf"),
    ) -> ImportJob | None:
        """Start or continue the import from its checkpoint, until it is done or time runs short."""
        key = import_key(account_id, import_id)
        job = self.jobs.import_job(account_id, import_id, at)
        extra = {"account_id": account_id, "import_id": import_id}
        if job is None or job.status in FINISHED_TRANSFERS:
            # A file nobody waits for (its import expired), or a duplicate event: not kept.
            self.bucket.delete(key)
            logger.info("upload for an import that is not open; file deleted", extra=extra)
            return job
        try:
            if job.status == TransferStatus.WAITING:
                job = self._start(job, key, at)
            return self._continue(job, key, at, time_left)
        except _Stop as stop:
            return self._fail(job, stop.reason, at)

    def give_up(self, account_id: str, import_id: str, at: datetime) -> None:
        """The import's message failed for the last time (it goes to the dead-letter queue): the
        import says so, and its file is deleted."""
        job = self.jobs.import_job(account_id, import_id, at)
        if job is not None and job.status not in FINISHED_TRANSFERS:
            self._fail(job, GAVE_UP, at)

    def give_up_upload(self, key: str, at: datetime) -> None:
        """`give_up`, for the import an upload's key names."""
        ids = import_of_key(key)
        if ids is not None:
            self.give_up(*ids, at)

    def _fail(self, job: ImportJob, reason: str, at: datetime) -> ImportJob | None:
        self.jobs.fail_job(job, reason, now())
        self.bucket.delete(import_key(job.account_id, job.import_id))
        logger.info(
            "import failed",
            extra={"account_id": job.account_id, "import_id": job.import_id, "reason": reason},
        )
        return self.jobs.import_job(job.account_id, job.import_id, at)

    def _open_list(self, job: ImportJob, at: datetime) -> MailingList:
        """The import's list, while the account is open and the list exists."""
        profile = self.jobs.get_profile(job.account_id, at)
        if profile is None or profile.status != AccountStatus.ACTIVE:
            raise _Stop("The account was closed.")
        mailing_list = self.contacts.list_service.lists.get_for_account(job.account_id, job.list_id, at)
        if mailing_list is None:
            raise _Stop("The list was deleted.")
        return mailing_list

    def _start(self, job: ImportJob, key: str, at: datetime) -> ImportJob:
        """Read the whole file once: refuse it whole, or record how to read it and start."""
        version = self.bucket.version(key)
        if version is None:
            raise _Stop("The uploaded file is gone.")
        size, etag = version
        if size > MAX_BYTES:
            raise _Stop(
                f"An import file holds at most {MAX_BYTES // 2**20:,} MB; split it and import each part."
            )
        self._open_list(job, at)
        try:
            layout = csv_stream.scan(lambda: self.bucket.read(key, etag), MAX_ROWS)
        except (InvalidInput, PayloadTooLarge, NotFound, Conflict) as refusal:
            raise _Stop(refusal.detail) from refusal
        self.jobs.start_import(
            job,
            started_at=at,
            etag=etag,
            encoding=layout.encoding,
            header=layout.header,
            rows=layout.rows,
            offset=layout.offset,
            line=layout.line,
        )
        logger.info(
            "import started",
            extra={"account_id": job.account_id, "import_id": job.import_id, "rows": layout.rows},
        )
        # What was stored (by this worker, or by one that started it first).
        started = self.jobs.import_job(job.account_id, job.import_id, at)
        if started is None:
            raise _Stop("The import expired.")
        return started

    def _continue(self, job: ImportJob, key: str, at: datetime, time_left: Callable[[], float]) -> ImportJob:
        if job.status != TransferStatus.RUNNING:
            return job
        extra = {"account_id": job.account_id, "import_id": job.import_id}
        visitor = Visitor(ip=job.ip, user_agent=job.user_agent)
        try:
            records = csv_stream.records(
                self.bucket.read(key, job.etag or "", job.offset),
                job.encoding or "utf-8",
                job.offset,
                job.line,
            )
            while True:
                mailing_list = self._open_list(job, at)
                chunk, last = self._take(records)
                imported, rejected, counts = self._import_chunk(job, mailing_list, chunk, visitor, at)
                kept = rejected[: max(0, REJECTED_KEPT - job.rejected_count)]
                end = chunk[-1] if chunk else None
                finished_at = now() if last else None
                moved = self.jobs.checkpoint_import(
                    job,
                    offset=end.end if end else job.offset,
                    line=end.end_line if end else job.line,
                    imported=imported,
                    rejected=kept,
                    rejected_count=len(rejected),
                    counts=counts,
                    finished_at=finished_at,
                )
                if not moved:
                    # Another worker moved the checkpoint first (a redelivery racing a
                    # continuation): it goes on; this one's writes of the chunk were the same.
                    logger.info("import moved on by another worker", extra=extra)
                    return self.jobs.import_job(job.account_id, job.import_id, at) or job
                job = job.model_copy(
                    update={
                        "offset": end.end if end else job.offset,
                        "line": end.end_line if end else job.line,
                        "imported": job.imported + imported,
                        "rejected_count": job.rejected_count + len(rejected),
                        "rejected": [*job.rejected, *kept],
                    }
                )
                if last:
                    self.bucket.delete(key)
                    job = job.model_copy(update={"status": TransferStatus.DONE, "finished_at": finished_at})
                    logger.info(
                        "import done",
                        extra={
                            **extra,
                            "rows": job.rows,
                            "imported": job.imported,
                            "rejected": job.rejected_count,
                        },
                    )
                    return job
                if time_left() < TIME_RESERVE:
                    self.queues.continue_import(
                        ImportMessage(account_id=job.account_id, import_id=job.import_id)
                    )
                    logger.info("import continues in a new message", extra={**extra, "line": job.line})
                    return job
        except (NotFound, Conflict, InvalidInput, UnicodeDecodeError) as error:
            # The file went or changed under the import (scan read all of it before).
            raise _Stop(getattr(error, "detail", "The uploaded file could not be read again.")) from error

    def _take(self, records: Iterator[csv_stream.Record]) -> tuple[list[csv_stream.Record], bool]:
        """The next chunk: up to `chunk_rows` rows (and the blank records among them); True when the
        file ends with it."""
        chunk: list[csv_stream.Record] = []
        rows = 0
        for record in records:
            chunk.append(record)
            rows += not record.blank
            if rows >= self.chunk_rows:
                return chunk, False
        return chunk, True

    def _import_chunk(
        self,
        job: ImportJob,
        mailing_list: MailingList,
        chunk: list[csv_stream.Record],
        visitor: Visitor,
        at: datetime,
    ) -> tuple[int, list[Rejection], dict[str, int]]:
        """Import a chunk's rows; (rows imported, rows rejected by line, what its contacts add to
        the list's counts, by status). Safe to run again."""
        started = job.started_at or at
        rejected: list[Rejection] = []
        rows = []
        seen: dict[str, int] = {}
        for record in chunk:
            if record.blank:
                continue
            try:
                row = read_row(job.header, record.line, record.cells, job.proof, seen)
            except ValueError as error:
                rejected.append(_rejection(record.line, str(error)))
                continue
            seen[row.hashed] = record.line
            rows.append(row)
        contacts, refused = to_contacts(self.contacts, mailing_list, rows, started)
        rejected += [_rejection(line, reason) for line, reason in refused]
        for row, contact in contacts:
            contact.import_row = _row_mark(job.import_id, row.line)

        repository = self.contacts.contacts
        by_id = {contact.contact_id: (row, contact) for row, contact in contacts}
        # Contacts already there: this import's own (written before a crash), or not. An eventually
        # consistent read is enough: a contact it misses makes its conditional put fail below.
        existing = repository.import_rows(mailing_list.list_id, list(by_id), at)
        own = {c for c, (row, _) in by_id.items() if existing.get(c) == _row_mark(job.import_id, row.line)}
        writing = [contact for c, (_row, contact) in by_id.items() if c not in existing or c in own]
        # The synchronous import's write: each created only if still absent (another writer may have
        # come first), and taken back if its address is being erased. The contacts it leaves on the
        # list, this attempt's and an earlier one's (`own`: never counted, as its checkpoint did not
        # move), are counted with the checkpoint.
        created = self.contacts.store_imported(writing, visitor, started, own)
        raced, erased = created.existed, created.erased
        if raced:
            # Their writer's mark; one that went again meanwhile was on the list all the same.
            found = repository.import_rows(mailing_list.list_id, sorted(raced), at, consistent=True)
            existing |= {contact_id: found.get(contact_id) for contact_id in raced}
        counts = dict(created.counts)
        for contact_id in raced:
            row, contact = by_id[contact_id]
            if existing[contact_id] == _row_mark(job.import_id, row.line):
                # Created by a worker racing this one on the same chunk: the checkpoint that moves
                # counts it, whichever worker's it is.
                counts[contact.status.value] = counts.get(contact.status.value, 0) + 1
        imported = 0
        for contact_id, (row, _contact) in by_id.items():
            refusal = None
            if contact_id in erased:
                refusal = _rejection(row.line, ERASED_REFUSAL)
            elif contact_id in existing and contact_id not in own:
                refusal = self._refusal(job, row.line, existing[contact_id])
            if refusal is None:
                imported += 1
            else:
                rejected.append(refusal)
        rejected.sort(key=lambda r: r.line)
        return imported, rejected, counts

    @staticmethod
    def _refusal(job: ImportJob, line: int, import_row: str | None) -> Rejection | None:
        """Why a row whose contact exists is refused; None when this very row created it."""
        if import_row == _row_mark(job.import_id, line):
            return None
        prefix = _row_mark(job.import_id, 0).removesuffix("0")
        if import_row and import_row.startswith(prefix):
            return _rejection(line, f"the same address as line {import_row.removeprefix(prefix)}")
        return _rejection(line, ALREADY_ON_LIST)
