"""The widget's HTTP API: session start and settings, and the fallback when websockets fail.

Called cross-origin from customers' sites: every request's Origin must be on the widget's
allow-list, and the answer carries CORS headers for that origin only. No cookies are used
(the visitor token travels in a header), so Django's CSRF check does not apply here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from channels_chat import actions
from channels_chat.actions import ChatError
from channels_chat.availability import is_online
from channels_chat.models import ChatMessage, ChatSession, Widget
from channels_chat.serialize import message_view, session_view
from channels_chat.tokens import (
    FileLinkExpired,
    Visitor,
    new_visitor_token,
    read_file_token,
    read_visitor_token,
    signed_value,
    verify_identity,
)
from hub import branding
from hub.downloads import IMAGES, file_response
from hub.identity import InvalidIdentity, normalize_email
from hub.models.account import SurveyScale
from hub.net import rate_key, request_ip
from hub.public_url import absolute
from hub.ratelimit import allow, allow_all

View = Callable[..., HttpResponse]


def _ip(request: HttpRequest) -> str:
    """What limits by address count for this request's client (``hub.net.rate_key``)."""
    return rate_key(request_ip(request))


def _cors(response: HttpResponse, origin: str) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = origin
    response["Vary"] = "Origin"
    return response


def widget_endpoint(*, visitor: bool = True) -> Callable[[View], View]:
    """Load the widget, check the Origin, answer preflights, read the visitor token."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, key: str, *args: Any, **kwargs: Any) -> HttpResponse:
            widget = Widget.objects.filter(key=key, enabled=True).select_related("team").first()
            if widget is None:
                raise Http404
            origin = request.headers.get("Origin", "")
            if not widget.allows_origin(origin):
                return JsonResponse({"error": "origin"}, status=403)
            if request.method == "OPTIONS":
                response = HttpResponse(status=204)
                response["Access-Control-Allow-Methods"] = "GET, POST"
                response["Access-Control-Allow-Headers"] = "Content-Type, X-Visitor-Token"
                response["Access-Control-Max-Age"] = "600"
                return _cors(response, origin)
            found: Visitor | None = None
            if visitor:
                found = read_visitor_token(request.headers.get("X-Visitor-Token", ""), widget.key)
                if found is None:
                    return _cors(JsonResponse({"error": "token"}, status=401), origin)
            try:
                response = view(request, widget, found, *args, **kwargs)
            except ChatError as exc:
                response = JsonResponse({"error": exc.code}, status=429 if exc.code == "rate_limited" else 400)
            return _cors(response, origin)

        return wrapper

    return decorate


def _json(request: HttpRequest) -> dict[str, Any]:
    if request.content_type != "application/json":
        return dict(request.POST.items())
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise ChatError("bad_json") from None
    if not isinstance(data, dict):
        raise ChatError("bad_json")
    return data


# The session's column for the host's user id. A longer id is refused rather than cut: two ids
# sharing their first 200 characters would become one customer.
USER_ID_MAX = 200


def _verified(widget: Widget, identity: Any) -> tuple[str, str]:
    """(email, user id) the host vouched for with the widget secret; empty strings otherwise.

    An email counts only when the host signed it (alone, or with the user id: ``signed_value``).
    A signature over the user id alone vouches for the id; an email sent beside it is ignored,
    or anyone signed in on the host's site could pose as any address.
    """
    if not isinstance(identity, dict):
        return "", ""
    user_id, email, signature = (str(identity.get(k) or "") for k in ("user_id", "email", "hash"))
    if len(user_id) > USER_ID_MAX or len(email) > 320 or "\n" in user_id:
        return "", ""
    if not verify_identity(widget, signed_value(user_id, email), signature):
        if not (user_id and email and verify_identity(widget, user_id, signature)):
            return "", ""
        email = ""
    try:
        email = normalize_email(email) if email else ""
    except InvalidIdentity:
        email = ""
    return email, user_id


def _brand(request: HttpRequest) -> dict[str, str]:
    """The company's name and the absolute address of its logo ("" without one): the widget runs
    on the customer's site, so a path alone would point there."""
    brand = branding.brand()
    return {"name": brand.name, "logo": absolute(brand.logo_url, request) if brand.logo_url else ""}


@widget_endpoint(visitor=False)
def start(request: HttpRequest, widget: Widget, _visitor: None) -> HttpResponse:
    """Settings, availability and the visitor's token (a new one unless theirs is still valid)."""
    if request.method != "POST":
        return JsonResponse({"error": "method"}, status=405)
    data = _json(request)
    visitor = read_visitor_token(str(data.get("token") or ""), widget.key)
    token = str(data.get("token") or "")
    if visitor is None:
        if not allow("chat-start-ip", _ip(request), settings.CHAT_SESSIONS_PER_IP):
            raise ChatError("rate_limited")
        token, visitor = new_visitor_token(widget)
    email, user_id = _verified(widget, data.get("identity"))
    session = actions.current_session(widget, visitor)
    if email or user_id:
        # The verified identity must be on the session before its first message is sent.
        session = actions.open_session(
            widget,
            visitor,
            verified_email=email,
            verified_user_id=user_id,
            language=str(data.get("lang") or ""),
            timezone_name=str(data.get("tz") or ""),
        )
    online = is_online(widget)
    return JsonResponse(
        {
            "token": token,
            "online": online,
            "widget": {
                "name": widget.name,
                "colour": widget.brand_colour,
                # The company's name and logo for the widget's header (Settings → Account).
                "brand": _brand(request),
                "greeting": {"de": widget.greeting_de, "en": widget.greeting_en},
                "team": widget.team.name if widget.team else "",
                "prechat_fields": widget.prechat_fields,
                "max_attachment_bytes": settings.CHAT_MAX_ATTACHMENT_BYTES,
                "attachment_types": settings.CHAT_ATTACHMENT_TYPES,
            },
            "websocket": f"/ws/chat/visitor/{widget.key}/",
            "session": session_view(session) if session else None,
            "identity": {"email": email, "user_id": user_id} if (email or user_id) else None,
        }
    )


def _session(widget: Widget, visitor: Visitor, data: dict[str, Any] | None = None) -> ChatSession:
    """The visitor's session, opened if need be; it learns the time zone if it had none."""
    language = str((data or {}).get("lang") or "")
    zone = str((data or {}).get("tz") or "")
    return actions.open_session(widget, visitor, language=language, timezone_name=zone)


def _limit(request: HttpRequest, visitor: Visitor) -> None:
    """The websocket's limits on messages, counted in the same keys (``consumers``)."""
    limits = [
        ("chat-visitor", visitor.visitor_id, settings.CHAT_RATE_PER_VISITOR),
        ("chat-ip", _ip(request), settings.CHAT_RATE_PER_IP),
    ]
    if not allow_all(limits):
        raise ChatError("rate_limited")


@widget_endpoint()
def messages(request: HttpRequest, widget: Widget, visitor: Visitor) -> HttpResponse:
    """GET: the log after ``?after=`` (polling fallback). POST: send one message (or a file)."""
    if request.method == "GET":
        session = actions.current_session(widget, visitor)
        if session is None:
            return JsonResponse({"messages": [], "last_seq": 0, "agent_read_seq": 0, "csat": False})
        try:
            after = max(0, int(request.GET.get("after", "0")))
        except ValueError:
            after = 0
        rows = [message_view(m) for m in actions.messages_after(session, after)]
        return JsonResponse(
            {"messages": rows, "csat": actions.solved_awaiting_survey(session) or False, **session_view(session)}
        )
    if request.method != "POST":
        return JsonResponse({"error": "method"}, status=405)
    _limit(request, visitor)
    data = _json(request)
    session = _session(widget, visitor, data)
    message, created = actions.post_visitor_message(
        session,
        client_id=str(data.get("client_id") or ""),
        text=str(data.get("text") or ""),
        upload=request.FILES.get("file"),
    )
    return JsonResponse(
        {"client_id": message.client_id, "seq": message.seq, "created": created, "message": message_view(message)},
        status=201 if created else 200,
    )


@widget_endpoint()
def contact(request: HttpRequest, widget: Widget, visitor: Visitor) -> HttpResponse:
    if not allow("chat-contact", visitor.visitor_id, settings.CHAT_CONTACT_RATE_PER_VISITOR):
        raise ChatError("rate_limited")
    data = _json(request)
    session = _session(widget, visitor, data)
    actions.save_contact(session, name=str(data.get("name") or ""), email=str(data.get("email") or ""))
    return JsonResponse(session_view(session))


@widget_endpoint()
def offline(request: HttpRequest, widget: Widget, visitor: Visitor) -> HttpResponse:
    """A message left while nobody is online: an email address is required, replies go by mail."""
    if not allow("chat-offline-ip", _ip(request), settings.CHAT_SESSIONS_PER_IP):
        raise ChatError("rate_limited")
    data = _json(request)
    if not str(data.get("email") or "").strip():
        raise ChatError("email_missing")
    message = actions.leave_offline_message(
        widget,
        visitor,
        name=str(data.get("name") or ""),
        email=str(data.get("email") or ""),
        text=str(data.get("text") or ""),
        client_id=str(data.get("client_id") or ""),
        language=str(data.get("lang") or ""),
        timezone_name=str(data.get("tz") or ""),
    )
    return JsonResponse({"client_id": message.client_id, "seq": message.seq}, status=201)


@widget_endpoint()
def transcript(request: HttpRequest, widget: Widget, visitor: Visitor) -> HttpResponse:
    session = actions.current_session(widget, visitor)
    if session is None:
        raise ChatError("no_session")
    if not allow("chat-transcript", visitor.visitor_id, 3, 3600):
        raise ChatError("rate_limited")
    actions.request_transcript(session)
    return JsonResponse({"ok": True})


@widget_endpoint()
def csat(request: HttpRequest, widget: Widget, visitor: Visitor) -> HttpResponse:
    session = actions.current_session(widget, visitor)
    if session is None:
        raise ChatError("no_session")
    data = _json(request)
    rating = data.get("rating")
    try:
        rating = int(rating) if rating is not None else -1
    except (TypeError, ValueError):
        rating = -1
    scale = str(data.get("scale") or SurveyScale.CSAT)
    actions.answer_survey(session, rating=rating, comment=str(data.get("comment") or ""), scale=scale)
    return JsonResponse({"ok": True})


def download(request: HttpRequest, token: str) -> HttpResponseBase:
    """A chat attachment by its signed link; anything but plain images is served as a download.

    An expired link is answered 410 with a page that says how to get a fresh one.
    """
    try:
        found = read_file_token(token)
    except FileLinkExpired:
        return render(request, "channels_chat/file_link_expired.html", status=410)
    if found is None:
        raise Http404
    message = ChatMessage.objects.filter(pk=found[0], session__public_id=found[1]).exclude(file="").first()
    name = message.file.name if message is not None else ""
    if message is None or not name or not default_storage.exists(name):
        raise Http404
    response = file_response(
        default_storage.open(name, "rb"),
        content_type=message.content_type,
        filename=message.filename or "attachment",
        shown=IMAGES,
    )
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
