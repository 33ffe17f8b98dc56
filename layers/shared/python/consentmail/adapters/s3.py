"""The transfer bucket, the only code here that speaks S3: the files of large contact imports and
exports (audience/bulk_import.py, bulk_export.py). It knows the bucket's key formats, presigns the
URLs account holders upload and download with, streams a file from any byte offset (pinned to the
version the import started on), writes an export as a multipart upload, and deletes files.

Keys: `imports/<account_id>/<import_id>.csv` (the bucket's ObjectCreated notification on this
prefix starts the import worker) and `exports/<account_id>/<export_id>.<csv|json>`. The bucket is
private and KMS-encrypted by default (CDK: infra/constructs/transfers.py), so nothing here names
a key or an encryption header: a presigned PUT needs no header beyond the file itself.

S3 answers become plain results or domain errors here: a missing file is `NotFound`, a file
replaced since the import started (its ETag changed) is `Conflict`."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.parse import unquote_plus

from botocore.exceptions import ClientError

from consentmail.adapters import aws_clients
from consentmail.core.errors import Conflict, NotFound
from consentmail.core.settings import get_settings

IMPORTS_PREFIX = "imports/"
EXPORTS_PREFIX = "exports/"
# How much of a file one streamed read hands over at a time.
READ_CHUNK = 1024 * 1024
# Parts of an export's multipart upload: S3 wants at least 5 MiB for every part but the last.
PART_SIZE = 8 * 1024 * 1024
_MISSING = ("NoSuchKey", "404", "NotFound")
_CHANGED = ("PreconditionFailed", "412")


def import_key(account_id: str, import_id: str) -> str:
    return f"{IMPORTS_PREFIX}{account_id}/{import_id}.csv"


def export_key(account_id: str, export_id: str, extension: str) -> str:
    return f"{EXPORTS_PREFIX}{account_id}/{export_id}.{extension}"


def import_of_key(key: str) -> tuple[str, str] | None:
    """(account_id, import_id) of an upload's key as an S3 event gives it (URL-encoded, `+` for a
    space), or None for anything that is not an import upload."""
    parts = unquote_plus(key).split("/")
    if len(parts) != 3 or f"{parts[0]}/" != IMPORTS_PREFIX or not parts[2].endswith(".csv"):
        return None
    account_id, import_id = parts[1], parts[2].removesuffix(".csv")
    return (account_id, import_id) if account_id and import_id else None


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class TransferBucket:
    def __init__(self, s3=None, bucket: str | None = None):
        self._s3 = s3 or aws_clients.s3()
        self.bucket = bucket or get_settings().transfer_bucket

    # --- presigned URLs ------------------------------------------------------------------------

    def upload_url(self, key: str, lifetime: timedelta) -> str:
        """A URL that PUTs one file at `key` (curl --upload-file, or a browser's fetch), valid for
        `lifetime` (and never beyond the signing role's own session)."""
        return self._s3.generate_presigned_url(
            "put_object",
            Params={"Bucket": self.bucket, "Key": key},
            ExpiresIn=int(lifetime.total_seconds()),
            HttpMethod="PUT",
        )

    def download_url(self, key: str, filename: str, content_type: str, lifetime: timedelta) -> str:
        """A URL that GETs the file at `key` as an attachment named `filename`."""
        return self._s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{filename}"',
                "ResponseContentType": content_type,
                "ResponseCacheControl": "no-store",
            },
            ExpiresIn=int(lifetime.total_seconds()),
        )

    # --- reading an upload ----------------------------------------------------------------------

    def version(self, key: str) -> tuple[int, str] | None:
        """(size in bytes, ETag) of the file at `key`, or None when there is none."""
        try:
            head = self._s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _code(error) in _MISSING:
                return None
            raise
        return int(head["ContentLength"]), head["ETag"]

    def read(self, key: str, etag: str, offset: int = 0) -> Iterator[bytes]:
        """The file's bytes from `offset` to its end, as it was at `etag`, streamed a megabyte at a
        time: NotFound when it is gone, Conflict when it was replaced meanwhile."""
        arguments: dict = {"Bucket": self.bucket, "Key": key, "IfMatch": etag}
        if offset:
            arguments["Range"] = f"bytes={offset}-"
        try:
            body = self._s3.get_object(**arguments)["Body"]
        except ClientError as error:
            code = _code(error)
            if code in _MISSING:
                raise NotFound("The uploaded file is gone.") from error
            if code in _CHANGED:
                raise Conflict("The uploaded file was replaced while it was being imported.") from error
            if code == "InvalidRange":
                # The offset is the file's end: nothing is left to read.
                return iter(())
            raise
        return self._chunks(body)

    @staticmethod
    def _chunks(body) -> Iterator[bytes]:
        try:
            yield from body.iter_chunks(READ_CHUNK)
        finally:
            body.close()

    def delete(self, key: str) -> None:
        """Delete the file (done when nothing is there)."""
        self._s3.delete_object(Bucket=self.bucket, Key=key)

    # --- writing an export ----------------------------------------------------------------------

    def writer(self, key: str, content_type: str) -> "MultipartWriter":
        return MultipartWriter(self._s3, self.bucket, key, content_type)

    # --- the purge ------------------------------------------------------------------------------

    def delete_created_before(self, cutoff: datetime) -> int:
        """Delete every import and export file created before `cutoff`; returns how many."""
        deleted = 0
        paginator = self._s3.get_paginator("list_objects_v2")
        for prefix in (IMPORTS_PREFIX, EXPORTS_PREFIX):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                due = [{"Key": o["Key"]} for o in page.get("Contents", []) if o["LastModified"] < cutoff]
                for start in range(0, len(due), 1000):
                    response = self._s3.delete_objects(
                        Bucket=self.bucket, Delete={"Objects": due[start : start + 1000], "Quiet": True}
                    )
                    deleted += len(due[start : start + 1000]) - len(response.get("Errors", []))
        return deleted


class MultipartWriter:
    """A file written in parts of PART_SIZE as it is produced, so its whole never sits in memory:
    `write` as often as needed, then `close` (the file appears whole, or not at all). Used as a
    context manager, an error aborts the upload; the bucket's lifecycle rule removes any upload
    left incomplete by a crash."""

    def __init__(self, s3, bucket: str, key: str, content_type: str):
        self._s3 = s3
        self._bucket = bucket
        self._key = key
        self._buffer = bytearray()
        self._parts: list[dict] = []
        self._upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key, ContentType=content_type)[
            "UploadId"
        ]
        self.size = 0

    def write(self, data: bytes) -> None:
        self._buffer += data
        self.size += len(data)
        if len(self._buffer) >= PART_SIZE:
            self._flush()

    def _flush(self) -> None:
        number = len(self._parts) + 1
        answer = self._s3.upload_part(
            Bucket=self._bucket,
            Key=self._key,
            UploadId=self._upload_id,
            PartNumber=number,
            Body=bytes(self._buffer),
        )
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})
        self._buffer = bytearray()

    def close(self) -> None:
        if self._buffer or not self._parts:
            self._flush()
        self._s3.complete_multipart_upload(
            Bucket=self._bucket,
            Key=self._key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},
        )

    def abort(self) -> None:
        self._s3.abort_multipart_upload(Bucket=self._bucket, Key=self._key, UploadId=self._upload_id)

    def __enter__(self) -> "MultipartWriter":
        return self

    def __exit__(self, kind, _error, _trace) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()
