from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation

from channels_web.models import FormSubmission


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_confirmation(submission_id: int) -> str:
    """The "we received your message" mail; claimed first, so a rerun of the task sends nothing."""
    if not FormSubmission.objects.filter(pk=submission_id, confirmation_sent_at__isnull=True).update(
        confirmation_sent_at=timezone.now()
    ):
        return "skipped"
    submission = FormSubmission.objects.select_related("form").get(pk=submission_id)
    language = submission.language[:2] if submission.language[:2] in ("de", "en") else settings.LANGUAGE_CODE
    with translation.override(language):
        body = render_to_string("channels_web/confirmation.txt", {"submission": submission, "form": submission.form})
        subject = translation.gettext("We received your message: %(title)s") % {"title": submission.form.title}
    # Auto-Submitted keeps out-of-office replies from answering our automatic mail (RFC 3834).
    EmailMessage(subject, body, to=[submission.email], headers={"Auto-Submitted": "auto-replied"}).send()
    return "sent"
