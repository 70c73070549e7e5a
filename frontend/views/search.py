"""``/agent/search/?q=``: tickets, customers and organizations a query finds (``frontend.search``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from frontend import search
from frontend.auth import agent_required
from hub.models import Agent


@require_GET
@agent_required
def search_page(request: HttpRequest, agent: Agent) -> HttpResponse:
    text = request.GET.get("q", "").strip()
    found = search.results(agent, text, request.GET.get("before") or None)
    context = {
        "results": found,
        "search_query": text,
        "more_url": f"{search.search_url(text)}&before={found.older}" if found.older else "",
        "syntax": search.SYNTAX,
    }
    return render(request, "frontend/search/results.html", context)
