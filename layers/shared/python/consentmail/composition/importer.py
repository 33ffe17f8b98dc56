"""The importer function's service: large imports, chunk by chunk, from the transfer bucket."""

from consentmail.audience.bulk_import import BulkImports
from consentmail.core.container import per_container


@per_container
def imports() -> BulkImports:
    return BulkImports()
