"""``/favicon.ico``, which browsers ask for on pages without an icon link (the chat widget's
host pages, the API docs, Django's admin): the workspace's SVG icon instead of a 404."""

from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(static("frontend/favicon.svg"))
