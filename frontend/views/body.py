"""The whole body of one message: "Show all" under a body the timeline shows cut (``hub.bodies``)."""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import sync_to_async
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from frontend import regions, remote_images, timeline
from frontend.auth import agent_or_answer, agent_required
from hub.models import Agent, Message

# The mail's own document, as in its frame on the ticket page: no scripts (a sandbox without
# allow-scripts), nothing loaded from elsewhere, inline styles for the mail's look.
_HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; sandbox allow-same-origin"
_TEXT_POLICY = "default-src 'none'; sandbox"

log = logging.getLogger(__name__)


@require_GET
@agent_required
def message_body(request: HttpRequest, agent: Agent, ticket_id: int, message_id: int) -> HttpResponse:
    """The message's whole HTML as a sanitized page of its own, else its whole text (and quoted text).

    Scoped like the ticket page: a ticket or message outside the agent's tickets answers 404.
    Served as its own document rather than into the workspace, so a 20 MB body weighs on this
    one tab only, when asked for.
    """
    ticket = regions.get_ticket(agent, ticket_id)
    message = Message.objects.filter(pk=message_id, ticket=ticket).prefetch_related("attachments").first()
    if message is None:
        raise Http404("no such message")
    if message.html:
        response = HttpResponse(timeline.mail_document(message, message.html), content_type="text/html; charset=utf-8")
        response["Content-Security-Policy"] = _HTML_POLICY
        name = f"message-{message.pk}.html"
    else:
        text = f"{message.text}\n\n{message.quoted_text}" if message.quoted_text else message.text
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
        response["Content-Security-Policy"] = _TEXT_POLICY
        name = f"message-{message.pk}.txt"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _image_source(request: HttpRequest, ticket_id: int, message_id: int) -> str | HttpResponse:
    """The remote image address asked for, if it stands in that mail on a ticket the agent may
    see; 404 otherwise (the hub is no open proxy). Others get what ``agent_required`` answers."""
    agent = agent_or_answer(request)
    if isinstance(agent, HttpResponse):
        return agent
    ticket = regions.get_ticket(agent, ticket_id)
    html = Message.objects.filter(pk=message_id, ticket=ticket).values_list("html", flat=True).first()
    src = request.GET.get("src", "")
    if html is None or src not in remote_images.remote_sources(html):
        raise Http404("no such image in this message")
    return src


@require_GET
async def remote_image(request: HttpRequest, ticket_id: int, message_id: int) -> HttpResponse:
    """One remote image of a mail, fetched by the hub now that the agent asked (``remote_images``).

    Async, with the fetch on a thread of its own: a slow image server holds that thread, never
    the one the server runs every other page on. A refused or failed fetch answers 502, which
    the frame shows as a missing picture.
    """
    checked = await sync_to_async(_image_source)(request, ticket_id, message_id)
    if isinstance(checked, HttpResponse):  # not signed in
        return checked
    try:
        content, kind = await asyncio.to_thread(remote_images.fetch, checked)
    except remote_images.Refused as exc:
        log.info("remote image of message %s not fetched: %s", message_id, exc)
        return HttpResponse(status=502)
    response = HttpResponse(content, content_type=kind)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=86400"
    return response
