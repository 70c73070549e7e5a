"""The sign-in backend: Django's model backend, reading a session's user with what every request
asks of it.

Every signed-in request needs the user, their agent profile (role, language, teams) and, until
the session gave its second factor, whether they have one (``hub.middleware.TwoFactorMiddleware``).
Read one after the other they were three queries on every page, fragment and socket handshake;
here they are one. The agent's notification settings come with them: every workspace page
draws the bell with them (``hub.notifications.settings_of(agent, loaded=True)``).
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

# The annotation on a session's user: whether it had a confirmed authenticator app when the
# request began (``hub.two_factor.has_two_factor`` asks the database when it is missing).
TWO_FACTOR_ATTR = "hub_two_factor"


class AgentBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        model = get_user_model()
        confirmed = TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True)
        try:
            # A user without a profile gets "no agent" remembered by select_related: asking
            # ``user.agent`` raises RelatedObjectDoesNotExist without a query, as before.
            user = (
                model._default_manager.select_related("agent", "agent__notification_settings")
                .annotate(**{TWO_FACTOR_ATTR: Exists(confirmed)})
                .get(pk=user_id)
            )
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        user = super().authenticate(request, username, password, **kwargs)
        if user is None and password is not None:
            # Wrong credentials end the attempt here. Django's own backend, listed after this
            # one only so that sessions signed in before it keep working, would hash the same
            # password a second time: twice the work for every guess.
            raise PermissionDenied
        return user

    # Django's model backend has async twins that read the user their own way: the async paths
    # (``request.auser()``) must answer as the sync ones do.
    async def aget_user(self, user_id: Any) -> User | None:
        return await sync_to_async(self.get_user)(user_id)

    async def aauthenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        return await sync_to_async(self.authenticate)(request, username, password, **kwargs)
