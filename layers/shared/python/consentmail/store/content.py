"""The content table: a campaign's message content (subject, HTML, text), kept 6 days after the
last of creation, edit and send start (retention.MESSAGE_CONTENT), then absent to every reader
whether or not DynamoDB's TTL or the purge has removed it yet.

Access patterns (docs/architecture.md, data-access map): put (6-day expiry), get, extend the
expiry (send start), delete."""

from datetime import datetime

from consentmail.adapters import aws_clients
from consentmail.core.clock import iso
from consentmail.core.records import Content
from consentmail.core.retention import RetentionClass, expires_at, ttl_attributes
from consentmail.core.tables import Table
from consentmail.store.dynamo import from_dynamo, live


class ContentRepository:
    def __init__(self, table=None):
        self._table = table or aws_clients.table(Table.CONTENT)

    def put(self, campaign_id: str, content: Content, at: datetime) -> None:
        """Write the content; `at` (creation or edit) starts its 6 days again."""
        item = {
            "campaign_id": campaign_id,
            "subject": content.subject,
            "html": content.html,
            "written_at": iso(at),
            **ttl_attributes(expires_at(RetentionClass.CONTENT, at), campaign_id),
        }
        if content.text:
            item["text"] = content.text
        self._table.put_item(Item=item)

    def get(self, campaign_id: str, at: datetime) -> Content | None:
        """The content, or None once it has expired (or never existed)."""
        item = live(self._table.get_item(Key={"campaign_id": campaign_id}).get("Item"), at)
        if not item:
            return None
        data = from_dynamo(item)
        return Content(subject=data["subject"], html=data["html"], text=data.get("text") or None)

    def extend(self, campaign_id: str, at: datetime) -> bool:
        """Send start: the content now expires 6 days after `at`. False if it has already expired
        (a send never revives expired content)."""
        if self.get(campaign_id, at) is None:
            return False
        ttl = ttl_attributes(expires_at(RetentionClass.CONTENT, at), campaign_id)
        self._table.update_item(
            Key={"campaign_id": campaign_id},
            UpdateExpression="SET expires_at = :e, expiry_bucket = :b, send_started_at = :at",
            ExpressionAttributeValues={":e": ttl["expires_at"], ":b": ttl["expiry_bucket"], ":at": iso(at)},
        )
        return True

    def delete(self, campaign_id: str) -> None:
        self._table.delete_item(Key={"campaign_id": campaign_id})
