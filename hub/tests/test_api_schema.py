from __future__ import annotations

import re

import pytest
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

V1_PATHS = [
    "/api/v1/tickets/",
    "/api/v1/tickets/{id}/",
    "/api/v1/tickets/{id}/messages/",
    "/api/v1/tickets/{id}/events/",
    "/api/v1/tickets/{id}/reply/",
    "/api/v1/tickets/{id}/notes/",
    "/api/v1/tickets/{id}/assign/",
    "/api/v1/tickets/{id}/status/",
    "/api/v1/tickets/{id}/priority/",
    "/api/v1/tickets/{id}/tags/",
    "/api/v1/tickets/{id}/team/",
    "/api/v1/customers/",
    "/api/v1/customers/{id}/",
    "/api/v1/customers/{id}/merge/",
    "/api/v1/merges/{id}/undo/",
    "/api/v1/teams/",
    "/api/v1/agents/",
    "/api/v1/attachments/{id}/download/",
]


def test_the_schema_lists_every_v1_path(api_for, agent):
    response = api_for(agent).get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert [p for p in V1_PATHS if p not in paths] == []
    ticket_list = {p["name"] for p in paths["/api/v1/tickets/"]["get"]["parameters"]}
    assert {
        "status",
        "team",
        "assignee",
        "channel",
        "customer",
        "priority",
        "tag",
        "updated_since",
        "cursor",
    } <= ticket_list
    assert "409" in paths["/api/v1/tickets/{id}/reply/"]["post"]["responses"]
    messages = {p["name"] for p in paths["/api/v1/tickets/{id}/messages/"]["get"]["parameters"]}
    assert {"cursor", "page_size", "order"} <= messages
    detail = response.json()["components"]["schemas"]["TicketDetail"]["properties"]
    assert {"messages", "messages_total", "messages_next", "events", "events_total", "events_next"} <= set(detail)


def test_the_v1_schema_generates_without_warnings_and_validates():
    GENERATOR_STATS.reset()
    generator = SchemaGenerator(patterns=[path("api/v1/", include("hub.api.v1_urls"))])

    with GENERATOR_STATS.silence():
        schema = generator.get_schema(request=None, public=True)

    assert not GENERATOR_STATS, (
        f"schema warnings: {dict(GENERATOR_STATS._warn_cache)} {dict(GENERATOR_STATS._error_cache)}"
    )
    validate_schema(schema)


def test_the_swagger_ui_is_served_from_our_own_static_files(client_for, agent):
    client = client_for(agent)

    page = client.get("/api/docs/")

    assert page.status_code == 200
    bundle = re.search(r'src="([^"]*swagger-ui-bundle\.js)"', page.content.decode())
    assert bundle is not None and bundle.group(1).startswith("/static/")
    assert client.get(bundle.group(1)).status_code == 200
