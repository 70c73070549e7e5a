from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation

from channels_chat.models import ChatSession


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_transcript(session_id: int) -> str:
    """Mail the conversation to the visitor's address; claimed first, so a rerun sends nothing."""
    claimed = ChatSession.objects.filter(
        pk=session_id, transcript_requested_at__isnull=False, transcript_sent_at__isnull=True
    ).update(transcript_sent_at=timezone.now())
    if not claimed:
        return "skipped"
    session = ChatSession.objects.select_related("widget").get(pk=session_id)
    address = session.verified_email or session.email
    if not address:
        return "no_address"
    with translation.override(session.language[:2] if session.language[:2] in ("de", "en") else settings.LANGUAGE_CODE):
        body = render_to_string(
            "channels_chat/transcript.txt",
            {"session": session, "messages": session.messages.order_by("seq"), "widget": session.widget},
        )
        subject = translation.gettext("Your chat transcript")
    mail = EmailMessage(subject, body, to=[address], headers={"Auto-Submitted": "auto-generated"})
    mail.send()
    return "sent"
