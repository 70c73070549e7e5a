"""The composer's endpoints: send a reply or a note, and keep the draft server-side."""

from __future__ import annotations

import json
import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend import composer_extras, regions, timeline
from frontend.auth import agent_required
from frontend.views.guards import changes_allowed
from hub.actions import ChannelUnavailable, SendConflict, do_add_note, do_reply, do_save_draft
from hub.actions.notifications import MentionRefused
from hub.actions.uploads import UploadRefused
from hub.adapters import UnknownChannel
from hub.models import Agent, Message, TicketStatus
from hub.richtext import clean_reply_html, has_images
from hub.text import whole_number

MAX_COPIES = 20
AFTER_SEND = (TicketStatus.PENDING, TicketStatus.ON_HOLD, TicketStatus.SOLVED)


# "Bob Meier <bob@example.com>" or '"Meier, Bob" <bob@example.com>', as mail clients copy them:
# the name (quoted, or without separators) is left out, the address inside the brackets kept.
_NAMED = re.compile(r'(?:"[^"]*"|[^,;<>"])*<([^<>]*)>')


def _addresses(value: str) -> list[str]:
    """Addresses typed into Cc or Bcc, separated by commas, semicolons or spaces, bare or with a
    name ("Bob <bob@example.com>"); each checked."""
    found: dict[str, None] = {}
    named: list[str] = []

    def keep(match: re.Match[str]) -> str:
        named.append(match.group(1))
        return ","

    rest = _NAMED.sub(keep, value)
    for part in [*named, *re.split(r"[,;\s]+", rest)]:
        address = part.strip().strip("<>").lower()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(_("%(address)s is not an email address.") % {"address": part}) from None
        found[address] = None
    if len(found) > MAX_COPIES:
        raise ValidationError(_("At most %(count)d addresses.") % {"count": MAX_COPIES})
    return list(found)


class AddressesField(forms.CharField):
    def to_python(self, value: object) -> list[str]:  # type: ignore[override]  # a list, not a str
        return _addresses(str(super().to_python(value) or ""))


class SendForm(forms.Form):
    text = forms.CharField(strip=False, max_length=100_000, required=False)
    mode = forms.ChoiceField(choices=[("reply", "reply"), ("note", "note")])
    client_id = forms.RegexField(regex=r"^[A-Za-z0-9_-]{8,64}$")
    seen_message_id = forms.IntegerField(required=False, min_value=0)
    # The newest message when the agent began this text: replies by others since hold the send.
    after_message_id = forms.IntegerField(required=False, min_value=0)
    force = forms.BooleanField(required=False)
    # "Send and …": the ticket's status after the reply (empty: open, as a reply leaves it).
    status = forms.ChoiceField(
        required=False,
        choices=[("", "")]
        + [(s.value, s.label) for s in (TicketStatus.PENDING, TicketStatus.ON_HOLD, TicketStatus.SOLVED)],
    )
    cc = AddressesField(required=False, max_length=5000)
    bcc = AddressesField(required=False, max_length=5000)
    upload = forms.TypedMultipleChoiceField(required=False, coerce=int)
    # The composer showed a signature: it goes below the text (email).
    sign = forms.BooleanField(required=False)
    # The rich text editor's HTML (email); the text field holds its plain text.
    html = forms.CharField(strip=False, required=False, max_length=400_000)
    # The channel the agent chose in the composer (empty: where the hub routes the reply).
    channel = forms.RegexField(regex=r"^[a-z0-9_-]{1,40}$", required=False)

    def __init__(self, data: QueryDict) -> None:
        super().__init__(data)
        # The agent's own files: which ids are theirs the action checks (scoped to agent and ticket).
        self.fields["upload"].choices = [(v, v) for v in data.getlist("upload") if whole_number(v) is not None]  # type: ignore[attr-defined]


class DraftForm(forms.Form):
    text = forms.CharField(strip=False, required=False, max_length=100_000)
    mode = forms.ChoiceField(choices=[("reply", "reply"), ("note", "note")], required=False)
    client_id = forms.CharField(required=False, max_length=64)
    # As typed, checked only when sent: a draft keeps a half-written address too.
    cc = forms.CharField(strip=False, required=False, max_length=5000)
    bcc = forms.CharField(strip=False, required=False, max_length=5000)
    html = forms.CharField(strip=False, required=False, max_length=400_000)


def copies(cc: list[str], bcc: list[str]) -> dict[str, object]:
    """The reply's Cc and Bcc as its metadata (the email channel sends to them, the timeline shows them)."""
    return {key: value for key, value in (("cc", cc), ("bcc", bcc)) if value}


def _notice(request: HttpRequest, status: int, **ctx: object) -> HttpResponse:
    return render(request, "frontend/regions/composer_notice.html", ctx, status=status)


@require_POST
@agent_required
@changes_allowed
def send(request: HttpRequest, agent: Agent, ticket_id: int) -> HttpResponse:
    """Send the composer's text. 200 clears the composer (client side, on ``hub:sent``); 409
    holds the send because others wrote since ``seen_message_id``, or answered the customer
    since the agent began (``after_message_id``), and shows what they wrote with "Send anyway";
    the text and the draft stay untouched on every error."""
    ticket = regions.get_ticket(agent, ticket_id)
    form = SendForm(request.POST)
    if not form.is_valid():
        errors = [e for field in ("cc", "bcc") for e in form.errors.get(field, [])]
        return _notice(request, 422, error=errors[0] if errors else _("Write something before sending."))
    data = form.cleaned_data
    files = data["upload"] if data["mode"] == "reply" else []
    # Images of the text are the agent's own uploads under the editor's URLs; no other source stays.
    html = clean_reply_html(data["html"], composer_extras.image_ref(ticket.pk)) if data["mode"] == "reply" else ""
    if not data["text"].strip() and not files and not has_images(html):
        return _notice(request, 422, error=_("Write something before sending."))
    try:
        if data["mode"] == "note":
            message = do_add_note(ticket, agent=agent, text=data["text"], client_id=data["client_id"])
        else:
            # Where the composer said it goes: the hub routes it (a chat the visitor left and a
            # web form are answered by email), the same for the API.
            message = do_reply(
                ticket,
                agent=agent,
                text=data["text"],
                html=html,
                client_id=data["client_id"],
                seen_message_id=None if data["force"] else data["seen_message_id"],
                after_message_id=None if data["force"] else data["after_message_id"],
                status=data["status"] or None,
                uploads=files,
                sign=data["sign"],
                metadata=copies(data["cc"], data["bcc"]),
                channel=data["channel"] or None,
            )
    except SendConflict as conflict:
        newer = [timeline.Item("message", m.created_at, message=m) for m in conflict.newer]
        newest = max(m.pk for m in conflict.newer)
        answered = conflict.answered
        # Who answered the customer meanwhile: colleagues by name, automatic messages as such.
        names = list(dict.fromkeys(m.author_agent.name for m in answered if m.author_agent is not None))
        automatic = any(m.author_agent is None for m in answered)
        return _notice(request, 409, conflict=newer, newest=newest, ticket=ticket, names=names, automatic=automatic)
    except UploadRefused as exc:
        return _notice(request, 422, error=str(exc))
    except MentionRefused as refused:
        return _notice(request, 422, error=str(refused))
    except (ChannelUnavailable, UnknownChannel) as exc:
        return _notice(request, 422, error=_("This channel cannot be used now: %(reason)s") % {"reason": exc})
    response = _notice(request, 200)
    sent = {"ticket_id": ticket.pk, "message_id": message.pk, "mode": data["mode"]}
    response["HX-Trigger"] = json.dumps({"hub:sent": sent})
    return response


@require_POST
@agent_required
@changes_allowed
def save_draft(request: HttpRequest, agent: Agent, ticket_id: int) -> HttpResponse:
    ticket = regions.get_ticket(agent, ticket_id)
    form = DraftForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    data = form.cleaned_data
    # A save that was on its way while the same text was sent must not bring the draft back.
    if data["client_id"] and Message.objects.filter(ticket=ticket, client_id=data["client_id"]).exists():
        return HttpResponse("")
    draft = do_save_draft(
        ticket,
        agent=agent,
        text=data["text"],
        mode=data["mode"] or "reply",
        html=clean_reply_html(data["html"], composer_extras.image_ref(ticket.pk)),
        # Fields the composer did not show (a chat has no copies) leave the draft's as they were.
        cc=data["cc"] if "cc" in request.POST else None,
        bcc=data["bcc"] if "bcc" in request.POST else None,
    )
    return render(request, "frontend/regions/draft_status.html", {"draft": draft})
