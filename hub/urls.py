from django.contrib import admin
from django.urls import include, path

from hub.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/channels/email/", include("channels_email.urls")),
    path("api/", include("hub.api.urls")),
    path("chat/", include("channels_chat.urls")),
    path("forms/", include("channels_web.urls")),
    # The phone channel's webhooks (/phone/…) and its numbers' API (/api/v1/phone-numbers/).
    path("", include("channels_phone.urls")),
    path("", include("frontend.urls")),
]
# Media (attachments) are never served as public files: downloads go through views that check
# the agent's scope and force a download for active content types.
