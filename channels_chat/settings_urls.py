"""Settings → Chat widgets, mounted by the settings area at /agent/settings/chat-widgets/."""

from django.urls import path

from channels_chat import settings_views as views

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.edit, name="new"),
    path("new/preview/", views.preview, name="preview_new"),
    path("<int:pk>/", views.edit, name="detail"),
    path("<int:pk>/preview/", views.preview, name="preview"),
    path("<int:pk>/secret/", views.secret, name="secret"),
]
