"""``POST /api/v1/channels/email/inbound``: a raw RFC 822 body from an MTA pipe or parse service.

The decision is ``channels_email.webhook.answer``. Most deliveries never reach this view: the
hub's receipt door (``hub.receipt_doors``) answers an accepted mail in front of Django's request
stack. This view answers everything else (a refused token, counted by the failed-credentials
throttle; a bad body; a host or scheme the stack refuses; a header given twice; a body bigger
than Django keeps in memory) and any request when the door is not in front (the test client,
WSGI). CSRF does not apply: no cookie is involved, the token is the credential.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from channels_email.webhook import answer


@csrf_exempt
@require_POST
def inbound(request: HttpRequest) -> JsonResponse:
    given = answer(request.headers.get("Authorization", ""), request.body)
    return JsonResponse(given.payload, status=given.status, headers=dict(given.headers))
