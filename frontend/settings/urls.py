"""``/agent/settings/``: the area's home and every registered section at ``<key>/``.

Each section's own urls module is mounted under the namespace ``settings:<key>``; the
sections are read when the URLconf loads, after every app's ``ready()`` registered its own.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from frontend.settings.views import home
from hub import settings_area

app_name = "settings"


def _section_patterns() -> list[URLPattern | URLResolver]:
    return [
        path(f"{section.key}/", include((section.urls, section.key), namespace=section.key))
        for section in settings_area.sections()
    ]


urlpatterns: list[URLPattern | URLResolver] = [
    path("", home.home, name="home"),
    *_section_patterns(),
]
