"""Settings → Mailboxes, mounted by the settings area at /agent/settings/mailboxes/."""

from django.urls import path

from channels_email import settings_views as views

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.edit, name="new"),
    path("new/check/", views.check, name="check_new"),
    path("<int:pk>/", views.edit, name="detail"),
    path("<int:pk>/check/", views.check, name="check"),
    path("<int:pk>/token/", views.token, name="token"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
