"""Large exports: a list's contacts, however many, as a CSV or JSON file to download.

`POST /lists/{id}/exports` records the export (`waiting`) and queues it; the exporter function
runs `run`: it pages through the list (500 contacts a query) and streams the file into the
transfer bucket as a multipart upload, so a million contacts never sit in memory nor in a Lambda
response, then marks the export `done`. `GET …/exports/{id}` then answers a presigned download
URL. The file is the synchronous export's (`GET …/contacts/export`): the same columns, CSV cells
that start like a formula neutralized (`imports.csv_cells`), the same JSON document. A CSV's
attribute columns are every attribute name the list uses, found by a first pass that reads the
attributes only.

The file is kept a day (deleted by the hourly purge once a day old, the bucket's lifecycle rule as
the backstop), and so is the export's status. A redelivered export starts over and writes the file
again (an export is a read: doing it twice changes nothing).
"""

import json
import uuid
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from consentmail.adapters.s3 import MultipartWriter, export_key
from consentmail.audience.imports import csv_cells, csv_header, csv_lines
from consentmail.audience.models import ContactOut, ExportMessage
from consentmail.audience.transfers import Transfers
from consentmail.core.clock import iso, now
from consentmail.core.errors import NotFound, Unavailable
from consentmail.core.records import (
    FINISHED_TRANSFERS,
    AccountStatus,
    ExportFormat,
    ExportJob,
    MailingList,
    TransferStatus,
)
from consentmail.core.retention import EXPORT_STATUS

logger = Logger(child=True)

DOWNLOAD_LIFETIME = timedelta(hours=1)
# Contacts turned into text at a time before they are handed to the upload.
WRITE_BATCH = 500
# Contacts a query reads at a time: about DynamoDB's 1 MB page, so a million contacts are some
# 500 queries a pass, not 2,000.
PAGE_SIZE = 2_000
EXPORT_NOT_FOUND = "There is no export with this id."
GAVE_UP = "The export stopped after repeated errors; ask for a new one."
MEDIA_TYPES = {ExportFormat.CSV: "text/csv; charset=utf-8", ExportFormat.JSON: "application/json"}


def filename(job: ExportJob) -> str:
    """The name the download is saved as, as the synchronous export's."""
    return f"contacts-{job.list_id}.{job.format.value}"


class BulkExports(Transfers):
    # --- the account holder's side --------------------------------------------------------------

    def request(self, account_id: str, list_id: str, format: ExportFormat, at: datetime) -> ExportJob:  # noqa: A002
        """A new export of the list, queued."""
        mailing_list = self.contacts.list_service.get(account_id, list_id, at)
        job = ExportJob(
            export_id=uuid.uuid4().hex,
            account_id=account_id,
            list_id=mailing_list.list_id,
            format=format,
            created_at=at,
        )
        self.jobs.create_job(job, EXPORT_STATUS.after(at))
        try:
            self.queues.request_export(ExportMessage(account_id=account_id, export_id=job.export_id))
        except Unavailable:
            # Nothing half-written: no export is left waiting for a message that never went.
            self.jobs.delete_job(job)
            raise
        return job

    def status(
        self, account_id: str, list_id: str, export_id: str, at: datetime
    ) -> tuple[ExportJob, str | None, datetime | None]:
        """The export, and once it is done a download URL and until when it works (an hour, never
        past the file's day)."""
        mailing_list = self.contacts.list_service.get(account_id, list_id, at)
        job = self.jobs.export_job(account_id, export_id, at)
        if job is None or job.list_id != mailing_list.list_id:
            raise NotFound(EXPORT_NOT_FOUND)
        if job.status != TransferStatus.DONE:
            return job, None, None
        expires = min(at + DOWNLOAD_LIFETIME, EXPORT_STATUS.after(job.created_at))
        url = self.bucket.download_url(
            export_key(account_id, export_id, job.format.value),
            filename(job),
            MEDIA_TYPES[job.format],
            expires - at,
        )
        return job, url, expires

    # --- the worker's side ----------------------------------------------------------------------

    def run(self, account_id: str, export_id: str, at: datetime) -> ExportJob | None:
        job = self.jobs.export_job(account_id, export_id, at)
        if job is None or job.status in FINISHED_TRANSFERS:
            return job
        extra = {"account_id": account_id, "export_id": export_id}
        profile = self.jobs.get_profile(account_id, at)
        mailing_list = self.contacts.list_service.lists.get_for_account(account_id, job.list_id, at)
        if profile is None or profile.status != AccountStatus.ACTIVE or mailing_list is None:
            reason = "The list was deleted." if mailing_list is None else "The account was closed."
            self.jobs.fail_job(job, reason, now())
            logger.info("export failed", extra={**extra, "reason": reason})
            return self.jobs.export_job(account_id, export_id, at)
        self.jobs.start_export(job)
        key = export_key(account_id, export_id, job.format.value)
        with self.bucket.writer(key, MEDIA_TYPES[job.format]) as out:
            if job.format == ExportFormat.CSV:
                rows = self._csv(out, mailing_list, at)
            else:
                rows = self._json(out, mailing_list, at)
        self.jobs.finish_export(job, rows, now())
        logger.info("export done", extra={**extra, "rows": rows, "bytes": out.size})
        return self.jobs.export_job(account_id, export_id, at)

    def give_up(self, account_id: str, export_id: str, at: datetime) -> None:
        """The export's message failed for the last time (it goes to the dead-letter queue)."""
        job = self.jobs.export_job(account_id, export_id, at)
        if job is not None and job.status not in FINISHED_TRANSFERS:
            self.jobs.fail_job(job, GAVE_UP, now())

    def _csv(self, out: MultipartWriter, mailing_list: MailingList, at: datetime) -> int:
        repository = self.contacts.contacts
        names = sorted(repository.attribute_names(mailing_list.list_id, at, PAGE_SIZE))
        out.write(csv_lines([csv_header(names)]).encode())
        rows = 0
        batch: list[list[str]] = []
        for contact in repository.all_of_list(mailing_list.list_id, at, PAGE_SIZE):
            batch.append(csv_cells(contact, names))
            rows += 1
            if len(batch) == WRITE_BATCH:
                out.write(csv_lines(batch).encode())
                batch = []
        out.write(csv_lines(batch).encode())
        return rows

    def _json(self, out: MultipartWriter, mailing_list: MailingList, at: datetime) -> int:
        """The synchronous export's document (`ContactExport`), written item by item."""
        head = {"list_id": mailing_list.list_id, "exported_at": iso(at)}
        out.write((json.dumps(head)[:-1] + ', "items": [').encode())
        rows = 0
        for contact in self.contacts.contacts.all_of_list(mailing_list.list_id, at, PAGE_SIZE):
            item = json.dumps(ContactOut.of(contact).model_dump(mode="json"))
            out.write(((", " if rows else "") + item).encode())
            rows += 1
        out.write(b"]}")
        return rows
