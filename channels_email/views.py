"""``POST /api/v1/channels/email/inbound``: a raw RFC 822 body from an MTA pipe or parse service.

Authenticated by the mailbox's inbound token (``Authorization: Bearer <token>``); the token
names the mailbox. CSRF does not apply: no cookie is involved, the token is the credential.
"""

from __future__ import annotations

import hmac

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from channels_email.inbound import accept
from channels_email.models import Mailbox


def _mailbox(request: HttpRequest) -> Mailbox | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() not in ("bearer", "token") or not token.strip():
        return None
    token = token.strip()
    for mailbox in Mailbox.objects.enabled().filter(inbound_token=token):
        if hmac.compare_digest(mailbox.inbound_token, token):
            return mailbox
    return None


@csrf_exempt
@require_POST
def inbound(request: HttpRequest) -> JsonResponse:
    mailbox = _mailbox(request)
    if mailbox is None:
        return JsonResponse({"error": "a valid mailbox token is required"}, status=401)
    raw = request.body
    if not raw.strip():
        return JsonResponse({"error": "the body must be a raw RFC 822 mail"}, status=400)
    if len(raw) > mailbox.max_message_bytes:
        return JsonResponse({"error": "the mail is larger than this mailbox accepts"}, status=413)
    event, created = accept(raw, mailbox=mailbox, source="api")
    return JsonResponse({"event": event.pk, "duplicate": not created}, status=202 if created else 200)
