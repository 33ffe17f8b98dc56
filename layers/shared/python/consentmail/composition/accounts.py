"""The accounts function's services: accounts, lists, contacts, large imports and exports (their
creation and status; the workers do the rest), campaigns and the account's deletion receipts (read
only). All serve the function's routes, and their modules are imported at cold start by the
routers' models anyway."""

from consentmail.accounts.service import AccountService
from consentmail.audience.bulk_export import BulkExports
from consentmail.audience.bulk_import import BulkImports
from consentmail.audience.contacts import ContactService
from consentmail.audience.lists import ListService
from consentmail.campaigns.service import CampaignService
from consentmail.core.container import per_container
from consentmail.receipts.service import ReceiptService


@per_container
def accounts() -> AccountService:
    return AccountService()


@per_container
def lists() -> ListService:
    return ListService()


@per_container
def contacts() -> ContactService:
    return ContactService(lists=lists())


@per_container
def imports() -> BulkImports:
    return BulkImports(contacts=contacts())


@per_container
def exports() -> BulkExports:
    return BulkExports(contacts=contacts())


@per_container
def campaigns() -> CampaignService:
    return CampaignService()


@per_container
def receipts() -> ReceiptService:
    return ReceiptService()
