"""`python -m infra.console_upload --stack ConsentmailService [--region R]`: puts the built console
(console/dist) into the bucket the service stack made for it (its `ConsoleBucket…` output), each
file with its content type, its Cache-Control (hashed assets immutable, index.html revalidated)
and the Content-Security-Policy as object metadata, which the API's S3 integration answers as the
header. The policy lets the console reach its own origin and the transfer bucket (its
`TransferBucket` output), where a large import's file is PUT. Assets go first and index.html
last, so no page ever names a file that is not there yet; earlier assets stay, for pages still
open."""

import argparse
import sys
from pathlib import Path

import boto3

from infra import console_site

# S3 answers user metadata as x-amz-meta-<name>: the CSP travels with each object that way, as a
# static header value in API Gateway could not hold the policy's own single quotes.
CSP_METADATA = "csp"
OUTPUT_PREFIX = "ConsoleBucket"
TRANSFER_OUTPUT = "TransferBucket"


class UploadError(RuntimeError):
    pass


def files_in_order(dist: Path) -> list[Path]:
    index = dist / console_site.INDEX
    if not index.is_file():
        raise UploadError(f"{dist} has no {console_site.INDEX}: build the console (npm run build).")
    others = sorted(p for p in dist.rglob("*") if p.is_file() and p != index)
    return [*others, index]


def upload(
    s3, bucket: str, dist: Path = console_site.CONSOLE_DIST, transfers: str | None = None
) -> list[str]:
    """Uploads every file of `dist`; returns the keys, in upload order. `transfers`: the transfer
    bucket's origin, which the policy allows the console to PUT to."""
    keys = []
    for file in files_in_order(dist):
        key = file.relative_to(dist).as_posix()
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=file.read_bytes(),
            ContentType=console_site.content_type(file.name),
            CacheControl=console_site.cache_control(key),
            Metadata={CSP_METADATA: console_site.content_security_policy(transfers)},
        )
        keys.append(key)
    return keys


def output_of(cloudformation, stack: str, prefix: str) -> str:
    [description] = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    for output in description.get("Outputs", []):
        if output["OutputKey"].startswith(prefix):
            return output["OutputValue"]
    raise UploadError(f"the stack {stack} has no {prefix}… output: deploy it first")


def bucket_of(cloudformation, stack: str) -> str:
    return output_of(cloudformation, stack, OUTPUT_PREFIX)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.console_upload", description=__doc__)
    parser.add_argument("--stack", default="ConsentmailService")
    parser.add_argument("--region", required=True)
    args = parser.parse_args(argv)
    session = boto3.session.Session(region_name=args.region)
    try:
        cloudformation = session.client("cloudformation")
        bucket = bucket_of(cloudformation, args.stack)
        transfers = console_site.transfer_origin(
            output_of(cloudformation, args.stack, TRANSFER_OUTPUT), args.region
        )
        keys = upload(session.client("s3"), bucket, transfers=transfers)
    except UploadError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"console: {len(keys)} files in s3://{bucket}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
