from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from channels_web.forms import label_of, value_label
from channels_web.language import title_of
from channels_web.models import FormSubmission
from hub.actions import do_send_automatic
from hub.models import Message


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_confirmation(message_id: int) -> str:
    """The "we received your message" mail of the submission that ``message_id`` stored.

    Through the hub's automatic messages: once per ticket (a rerun sends nothing), counted by
    the loop guard, and visible to agents in the ticket's timeline.
    """
    message = Message.objects.filter(pk=message_id).first()
    external_id = (message.external_id or "") if message is not None else ""
    if message is None or not external_id.startswith("form:"):
        return "skipped"
    submission = (
        FormSubmission.objects.select_related("form").filter(public_id=external_id.removeprefix("form:")).first()
    )
    if submission is None or not submission.form.send_confirmation or not submission.email:
        return "skipped"
    if submission.spam_reason:
        return "suspected_spam"  # never mail an address a bot typed in
    language = submission.language[:2] if submission.language[:2] in ("de", "en") else settings.LANGUAGE_CODE
    # The mail speaks the language the form's page spoke, its labels and title included. It
    # repeats only the choices made from the form's own lists: whatever was typed stays out, or
    # anyone could have the company mail their text to any address they type into the form.
    specs = {f.get("name"): f for f in submission.form.fields or [] if isinstance(f, dict)}
    items = [
        {"label": label_of(spec, language), "value": value_label(spec, v["value"], language)}
        for v in submission.values
        if (spec := specs.get(v.get("name"))) and spec.get("type") == "select" and v.get("value")
    ]
    title = title_of(submission.form, language)[0]
    with translation.override(language):
        body = render_to_string(
            "channels_web/confirmation.txt", {"submission": submission, "items": items, "title": title}
        )
        subject = translation.gettext("We received your message: %(title)s") % {"title": title}
    sent = do_send_automatic(
        ticket_id=message.ticket_id,
        kind="confirmation",
        subject=subject,
        text=body,
        to=submission.email,
        once_per_ticket=True,
    )
    if sent is None:
        return "suppressed"
    FormSubmission.objects.filter(pk=submission.pk, confirmation_sent_at__isnull=True).update(
        confirmation_sent_at=sent.created_at
    )
    return "sent"
