"""The composer's files: upload one to the agent's draft (before sending), take one off."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend import regions
from frontend.auth import agent_required
from frontend.views.guards import changes_allowed
from hub.actions.uploads import UploadRefused, do_remove_upload, do_upload
from hub.adapters import UnknownChannel
from hub.models import Agent
from hub.replies import reply_route


@require_POST
@agent_required
@changes_allowed
def upload(request: HttpRequest, agent: Agent, ticket_id: int) -> HttpResponse:
    """One file (``file``) for the reply the agent is writing: 201 with its id, name and size;
    422 with the reason when the reply's channel does not take it."""
    ticket = regions.get_ticket(agent, ticket_id)
    file = request.FILES.get("file")
    if file is None:
        return JsonResponse({"error": _("Choose a file to attach.")}, status=422)
    channel = reply_route(ticket, with_recipient=False).channel
    try:
        item = do_upload(ticket, agent=agent, upload=file, channel=channel)
    except (UploadRefused, UnknownChannel) as exc:
        return JsonResponse({"error": str(exc), "name": file.name}, status=422)
    return JsonResponse(
        {"id": item.pk, "name": item.filename, "size": filesizeformat(item.size), "type": item.content_type},
        status=201,
    )


@require_POST
@agent_required
@changes_allowed
def remove_upload(request: HttpRequest, agent: Agent, ticket_id: int, upload_id: int) -> HttpResponse:
    ticket = regions.get_ticket(agent, ticket_id)
    do_remove_upload(ticket, agent=agent, upload_id=upload_id)
    return HttpResponse(status=204)
