"""boto3 clients and tables, created lazily and once per container (`per_container`; one
`container.reset_all()` forgets them): no I/O at import, so moto fixtures and settings work, and
cold starts stay small. boto3 honours AWS_ENDPOINT_URL, which is how local mode points every
client at its emulator without a branch here."""

import boto3
from botocore.config import Config

from consentmail.core.container import per_container
from consentmail.core.settings import get_settings
from consentmail.core.tables import Table

# Retries with backoff for throttling; adaptive mode also paces the client under sustained throttles.
_CONFIG = Config(retries={"max_attempts": 5, "mode": "adaptive"}, connect_timeout=3, read_timeout=10)


@per_container
def client(service: str):
    return boto3.client(service, region_name=get_settings().region, config=_CONFIG)


# S3 with virtual-hosted URLs on the region's own endpoint: a presigned URL must name the bucket's
# region (the global endpoint redirects while a bucket is new, which a PUT does not follow, and
# fails in regions opened since 2019, such as eu-south-1 and eu-south-2). Against an emulator at an
# IP address, botocore falls back to path-style URLs by itself.
_S3_CONFIG = _CONFIG.merge(Config(signature_version="s3v4", s3={"addressing_style": "virtual"}))


@per_container
def s3():
    return boto3.client("s3", region_name=get_settings().region, config=_S3_CONFIG)


@per_container
def _resource():
    return boto3.resource("dynamodb", region_name=get_settings().region, config=_CONFIG)


@per_container
def table(name: Table):
    return _resource().Table(get_settings().table(name))
