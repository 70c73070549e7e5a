"""Mail the settings area sends: invitations."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from hub.actions.people import SendInvitation
from hub.models import Account, Invitation
from hub.public_url import absolute

log = logging.getLogger(__name__)


def invitation_link(token: str, request: HttpRequest | None) -> str:
    return absolute(reverse("accept_invitation", args=[token]), request)


def invitation_sender(request: HttpRequest) -> SendInvitation:
    """``send(invitation, token)`` for the invitation actions: the mail in the invitee's language
    (else the account's); a failure is told to the admin, who can resend or pass on the link."""

    def send(invitation: Invitation, token: str) -> None:
        account = Account.current()
        link = invitation_link(token, request)
        language = invitation.agent.language or account.language
        with translation.override(language):
            context = {
                "invitation": invitation,
                "link": link,
                "company": account.name or _("Service Hub"),
                "inviter": invitation.invited_by.name if invitation.invited_by else "",
                "days": (invitation.expires_at - invitation.sent_at).days,
            }
            subject = _("Your invitation to %(company)s") % {"company": context["company"]}
            body = render_to_string("frontend/settings/invitation_email.txt", context)
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
        except Exception as exc:  # noqa: BLE001 - the invitation stands; the admin resends or passes the link on
            log.warning("invitation mail to %s failed: %s", invitation.email, exc)
            messages.error(
                request,
                _(
                    "The invitation mail could not be sent (%(error)s). "
                    "Send it again later, or pass on this link: %(link)s"
                )
                % {"error": exc, "link": link},
            )

    return send
