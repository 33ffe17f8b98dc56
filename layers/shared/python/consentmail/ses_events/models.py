"""Pydantic models of the SES events SNS carries, in both shapes: `eventType` (configuration-set
event publishing) and `notificationType` (identity notifications, which carry no tags).

Powertools' parser `Ses*` models describe inbound mail, not these. SES reserves the right to add
fields, so every model ignores what it does not know; an event may list several recipients."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class EventKind(StrEnum):
    SEND = "Send"
    DELIVERY = "Delivery"
    BOUNCE = "Bounce"
    COMPLAINT = "Complaint"
    REJECT = "Reject"
    DELIVERY_DELAY = "DeliveryDelay"
    RENDERING_FAILURE = "Rendering Failure"
    # Published by configuration sets with SES's own open/click tracking, which we never enable.
    OPEN = "Open"
    CLICK = "Click"
    SUBSCRIPTION = "Subscription"


class Mail(_Tolerant):
    timestamp: str = ""
    message_id: str = Field("", alias="messageId")
    source: str = ""
    destination: list[str] = Field(default_factory=list)
    # Configuration-set events only: tag name -> values (ours: cm_kind, cm_account, ...).
    tags: dict[str, list[str]] = Field(default_factory=dict)

    def tag(self, name: str) -> str:
        values = self.tags.get(name) or []
        return str(values[0]) if values else ""


class BouncedRecipient(_Tolerant):
    email_address: str = Field(alias="emailAddress")
    action: str | None = None
    status: str | None = None
    diagnostic_code: str | None = Field(None, alias="diagnosticCode")


class Bounce(_Tolerant):
    bounce_type: str = Field(alias="bounceType")  # Permanent, Transient, Undetermined
    bounce_sub_type: str = Field("", alias="bounceSubType")
    bounced_recipients: list[BouncedRecipient] = Field(default_factory=list, alias="bouncedRecipients")
    timestamp: str = ""
    feedback_id: str = Field("", alias="feedbackId")


class ComplainedRecipient(_Tolerant):
    email_address: str = Field(alias="emailAddress")


class Complaint(_Tolerant):
    complained_recipients: list[ComplainedRecipient] = Field(
        default_factory=list, alias="complainedRecipients"
    )
    timestamp: str = ""
    feedback_id: str = Field("", alias="feedbackId")
    complaint_sub_type: str | None = Field(None, alias="complaintSubType")
    complaint_feedback_type: str | None = Field(None, alias="complaintFeedbackType")


class Delivery(_Tolerant):
    timestamp: str = ""
    recipients: list[str] = Field(default_factory=list)
    processing_time_millis: int | None = Field(None, alias="processingTimeMillis")
    smtp_response: str | None = Field(None, alias="smtpResponse")


class Reject(_Tolerant):
    reason: str = ""


class DelayedRecipient(_Tolerant):
    email_address: str = Field(alias="emailAddress")
    status: str | None = None
    diagnostic_code: str | None = Field(None, alias="diagnosticCode")


class DeliveryDelay(_Tolerant):
    delay_type: str = Field("", alias="delayType")
    delayed_recipients: list[DelayedRecipient] = Field(default_factory=list, alias="delayedRecipients")
    expiration_time: str | None = Field(None, alias="expirationTime")
    timestamp: str = ""


class RenderingFailure(_Tolerant):
    error_message: str = Field("", alias="errorMessage")
    template_name: str = Field("", alias="templateName")


class SesEvent(_Tolerant):
    """One SES event or notification, whichever shape it came in."""

    kind: str = ""
    mail: Mail
    bounce: Bounce | None = None
    complaint: Complaint | None = None
    delivery: Delivery | None = None
    reject: Reject | None = None
    delivery_delay: DeliveryDelay | None = Field(None, alias="deliveryDelay")
    failure: RenderingFailure | None = None

    @model_validator(mode="before")
    @classmethod
    def _kind_of_either_shape(cls, data):
        if isinstance(data, dict) and not data.get("kind"):
            kind = data.get("eventType") or data.get("notificationType")
            if not kind:
                raise ValueError("neither eventType nor notificationType")
            data = {**data, "kind": kind}
        return data

    @property
    def identity_notification(self) -> bool:
        return not self.mail.tags

    def recipients(self) -> list[str]:
        """The addresses this event is about (for Send and Reject: every destination)."""
        # A feedback report may omit its recipients; the message's destinations are then the ones.
        if self.bounce is not None and self.kind == EventKind.BOUNCE:
            return [r.email_address for r in self.bounce.bounced_recipients] or list(self.mail.destination)
        if self.complaint is not None and self.kind == EventKind.COMPLAINT:
            return [r.email_address for r in self.complaint.complained_recipients] or list(
                self.mail.destination
            )
        if self.delivery is not None and self.kind == EventKind.DELIVERY:
            return list(self.delivery.recipients)
        if self.delivery_delay is not None and self.kind == EventKind.DELIVERY_DELAY:
            return [r.email_address for r in self.delivery_delay.delayed_recipients]
        return list(self.mail.destination)

    def occurred_at(self) -> str:
        """The event's own time (falls back to the send time)."""
        for part in (self.bounce, self.complaint, self.delivery, self.delivery_delay):
            if part is not None and part.timestamp:
                return part.timestamp
        return self.mail.timestamp
