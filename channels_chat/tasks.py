from __future__ import annotations

import logging

from celery import Task, shared_task
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from channels_chat.actions import answered, ticket_id_for
from channels_chat.models import ChatSession
from hub.actions import do_send_automatic

log = logging.getLogger(__name__)

# The transcript goes out on the chat's ticket: asked for before the pipeline has made it (the
# first message a moment old, the worker busy), the task tries again a little later, for ten minutes.
TRANSCRIPT_RETRY_SECONDS = 30
TRANSCRIPT_RETRIES = 20


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True, max_retries=TRANSCRIPT_RETRIES)
def send_transcript(self: Task, session_id: int) -> str:
    """Mail the conversation to the visitor's address through the hub's automatic messages.

    Claimed in the transaction that queues the mail (``do_send_automatic``, with its loop guard),
    so a rerun after the commit sends nothing and one before it sends once.
    """
    session = (
        ChatSession.objects.select_related("widget")
        .filter(pk=session_id, transcript_requested_at__isnull=False, transcript_sent_at__isnull=True)
        .first()
    )
    if session is None:
        return "skipped"
    address = session.verified_email or session.email
    if not address:
        return "no_address"
    if not session.verified_email and not answered(session):
        return "not_answered"  # see request_transcript
    ticket_id = ticket_id_for(session)
    if ticket_id is None:
        # In-process tasks (the embedded mode) ran the pipeline at the message's commit already:
        # no ticket now means none is coming, and a retry would only raise into the request.
        if self.request.is_eager or self.request.retries >= TRANSCRIPT_RETRIES:
            log.warning("transcript of chat session %s not sent: the chat is no ticket", session_id)
            return "no_ticket"
        raise self.retry(countdown=TRANSCRIPT_RETRY_SECONDS)
    language = session.language[:2] if session.language[:2] in ("de", "en") else settings.LANGUAGE_CODE
    with translation.override(language):
        text = render_to_string(
            "channels_chat/transcript.txt",
            {"session": session, "messages": session.messages.order_by("seq"), "widget": session.widget},
        )
        subject = translation.gettext("Your chat transcript")
    with transaction.atomic():
        claimed = ChatSession.objects.filter(pk=session_id, transcript_sent_at__isnull=True).update(
            transcript_sent_at=timezone.now()
        )
        if not claimed:
            return "skipped"
        message = do_send_automatic(ticket_id=ticket_id, kind="transcript", subject=subject, text=text, to=address)
    return "sent" if message is not None else "suppressed"
