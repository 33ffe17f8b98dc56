"""What large imports and exports share: the contacts they read or write, the accounts table that
keeps their jobs, and the transfer bucket and queues, made on first use (a route that only reads
a job's status needs neither)."""

from consentmail.adapters.s3 import TransferBucket
from consentmail.adapters.sqs import TransferQueues
from consentmail.audience.contacts import ContactService
from consentmail.store.accounts import AccountRepository


class Transfers:
    def __init__(self, contacts: ContactService | None = None, jobs=None, bucket=None, queues=None):
        self.contacts = contacts or ContactService()
        self.jobs: AccountRepository = jobs or AccountRepository()
        self._bucket = bucket
        self._queues = queues

    @property
    def bucket(self) -> TransferBucket:
        if self._bucket is None:
            self._bucket = TransferBucket()
        return self._bucket

    @property
    def queues(self) -> TransferQueues:
        if self._queues is None:
            self._queues = TransferQueues()
        return self._queues
