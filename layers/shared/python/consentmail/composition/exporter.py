"""The exporter function's service: large exports, streamed into the transfer bucket."""

from consentmail.audience.bulk_export import BulkExports
from consentmail.core.container import per_container


@per_container
def exports() -> BulkExports:
    return BulkExports()
