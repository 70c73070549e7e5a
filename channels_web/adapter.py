"""The web form channel: submissions in; answers go out by email, never on this channel."""

from __future__ import annotations

from datetime import datetime

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from hub.actions import do_set_tags
from hub.adapters import (
    BaseAdapter,
    Capabilities,
    ContractSample,
    DeliveryResult,
    InboundAttachment,
    Interaction,
    SenderIdentity,
)
from hub.models import Direction, InboundEvent, Message

KEY = "web"
# The tag a suspected bot's submission gets on its ticket (honeypot, too fast, forged stamp).
SPAM_TAG = "spam-suspected"


class WebFormAdapter(BaseAdapter):
    """A submission is one message; the sender is answered by email (the form says so)."""

    key = KEY
    capabilities = Capabilities(replies=False, fallback_reply_channel="email")

    def normalize(self, event: InboundEvent) -> Interaction:
        p = event.payload
        identities = []
        if p.get("email"):
            # Like the From of a mail, a form's address is unproven; unlike a chat, a submission
            # shows the sender nothing of the customer's history, so it may join that customer.
            identities.append(SenderIdentity("email", str(p["email"])))
        else:
            identities.append(SenderIdentity("external", f"web:{event.external_id}"))
        lines = [f"{f['label']}: {f['value']}" for f in p.get("fields", []) if f["name"] != "message" and f["value"]]
        text = str(p.get("message") or "")
        if lines:
            text = "\n".join(lines) + ("\n\n" + text if text else "")
        attachments = []
        for item in p.get("attachments", []):
            with default_storage.open(item["path"], "rb") as handle:
                attachments.append(InboundAttachment(item["filename"], item["content_type"], handle.read()))
        sent_at = p.get("sent_at")
        return Interaction(
            channel=self.key,
            identities=tuple(identities),
            display_name=str(p.get("name") or ""),
            subject=str(p.get("subject") or "") or str(p.get("form_name") or ""),
            text=text,
            attachments=tuple(attachments),
            external_id=event.external_id,
            team_hint=str(p.get("team") or ""),
            language=str(p.get("language") or ""),
            metadata={
                "form": {"slug": p.get("form"), "name": p.get("form_name")},
                "fields": p.get("fields", []),
                "spam_reason": str(p.get("spam_reason") or ""),
            },
            received_at=datetime.fromisoformat(sent_at) if isinstance(sent_at, str) else None,
        )

    def send(self, message: Message) -> DeliveryResult:
        from channels_web.outbound import send

        return send(message)

    def can_reply(self, ticket_id: int) -> tuple[bool, str]:
        return False, _("Web forms are answered by email")

    def contract_sample(self) -> ContractSample:
        values = [{"name": "message", "label": "Nachricht", "value": "Bitte um Rückruf."}]
        payload = {
            "form": "kontakt",
            "form_name": "Kontakt",
            "team": "",
            "email": "eva@kunde.example",
            "name": "Eva Muster",
            "subject": "Rückfrage",
            "message": "Bitte um Rückruf.",
            "fields": values,
            "attachments": [],
            "language": "de",
        }
        return ContractSample(external_id="form:00000000-0000-4000-8000-000000000001", payload=payload)

    def on_stored(self, messages: list[Message]) -> None:
        """The sender's confirmation, once the submission is a ticket: queued after commit."""
        from channels_web.tasks import send_confirmation

        for message in messages:
            if message.direction != Direction.INBOUND or not (message.external_id or "").startswith("form:"):
                continue
            if (message.metadata or {}).get("spam_reason"):
                # Kept and shown, never dropped: the tag lets admins find and judge them.
                do_set_tags(message.ticket, [*message.ticket.tags.values_list("name", flat=True), SPAM_TAG], actor=None)
                continue
            send_confirmation.delay_on_commit(message.pk)  # type: ignore[attr-defined]  # celery-types lacks it
