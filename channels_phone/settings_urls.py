"""Settings → Phone numbers, mounted by the settings area at /agent/settings/phone-numbers/."""

from django.urls import path

from channels_phone import settings_views as views

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.edit, name="new"),
    path("<int:pk>/", views.edit, name="detail"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
