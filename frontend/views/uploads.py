"""The composer's files: upload one to the agent's draft (before sending), take one off, and
show an image of the reply's rich text to the agent writing it."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from frontend import regions
from frontend.auth import agent_required
from frontend.composer_extras import image_url
from frontend.views.guards import changes_allowed
from hub.actions.uploads import UploadRefused, do_remove_upload, do_upload
from hub.adapters import UnknownChannel
from hub.downloads import IMAGES, file_response
from hub.models import Agent, DraftUpload
from hub.replies import reply_route


@require_POST
@agent_required
@changes_allowed
def upload(request: HttpRequest, agent: Agent, ticket_id: int) -> HttpResponse:
    """One file (``file``) for the reply the agent is writing: 201 with its id, name and size;
    422 with the reason when the reply's channel does not take it. With ``inline``, an image
    for the reply's text: the answer has its ``url`` for the editor."""
    ticket = regions.get_ticket(agent, ticket_id)
    file = request.FILES.get("file")
    if file is None:
        return JsonResponse({"error": _("Choose a file to attach.")}, status=422)
    channel = reply_route(ticket, with_recipient=False).channel
    inline = request.POST.get("inline") == "1"
    try:
        item = do_upload(ticket, agent=agent, upload=file, channel=channel, inline=inline)
    except (UploadRefused, UnknownChannel) as exc:
        return JsonResponse({"error": str(exc), "name": file.name}, status=422)
    answer = {"id": item.pk, "name": item.filename, "size": filesizeformat(item.size), "type": item.content_type}
    if inline:
        answer["url"] = image_url(ticket.pk, item.pk)
    return JsonResponse(answer, status=201)


@require_GET
@agent_required
def draft_image(request: HttpRequest, agent: Agent, ticket_id: int, upload_id: int) -> HttpResponseBase:
    """An image of the agent's own unsent rich text on a ticket they may see (nobody else's)."""
    ticket = regions.get_ticket(agent, ticket_id)
    item = DraftUpload.objects.filter(pk=upload_id, ticket=ticket, agent=agent, inline=True).first()
    if item is None:
        raise Http404("no such image")
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404("the image's file is missing") from None
    # Only checked images are inline uploads (hub.actions.uploads); served as the attachments are.
    response = file_response(handle, content_type=item.content_type, filename=item.filename, shown=IMAGES)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_POST
@agent_required
@changes_allowed
def remove_upload(request: HttpRequest, agent: Agent, ticket_id: int, upload_id: int) -> HttpResponse:
    ticket = regions.get_ticket(agent, ticket_id)
    do_remove_upload(ticket, agent=agent, upload_id=upload_id)
    return HttpResponse(status=204)
