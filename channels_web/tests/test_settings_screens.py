"""Settings → Web forms: the field builder, the hosted and embed links, the live preview."""

from __future__ import annotations

import pytest
from django.test import Client

from channels_web.models import WebForm
from hub.models import Agent, AuditEntry, Role
from hub.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> Agent:
    return AgentFactory.create(role=Role.ADMIN)


def signed_in(agent: Agent) -> Client:
    client = Client()
    client.force_login(agent.user)
    return client


def form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Kontakt",
        "slug": "kontakt",
        "enabled": "on",
        "title": "Schreiben Sie uns",
        "intro": "",
        "send_confirmation": "on",
        "allowed_origins": "https://shop.example.com",
        "fields-TOTAL_FORMS": "3",
        "fields-INITIAL_FORMS": "0",
        "fields-0-name": "email",
        "fields-0-label": "E-Mail",
        "fields-0-label_en": "Email",
        "fields-0-type": "email",
        "fields-0-required": "on",
        "fields-0-ORDER": "1",
        "fields-1-name": "topic",
        "fields-1-label": "Thema",
        "fields-1-type": "select",
        "fields-1-choices": "Rechnung, Lieferung",
        "fields-1-ORDER": "2",
        "fields-2-name": "message",
        "fields-2-label": "Nachricht",
        "fields-2-type": "textarea",
        "fields-2-required": "on",
        "fields-2-ORDER": "3",
    }
    return data | changes


def test_an_admin_builds_a_form_field_by_field_and_gets_its_links(admin) -> None:
    client = signed_in(admin)

    response = client.post("/agent/settings/web-forms/new/", form())

    webform = WebForm.objects.get()
    assert webform.fields == [
        {"name": "email", "label": "E-Mail", "type": "email", "required": True, "label_en": "Email"},
        {"name": "topic", "label": "Thema", "type": "select", "required": False, "choices": ["Rechnung", "Lieferung"]},
        {"name": "message", "label": "Nachricht", "type": "textarea", "required": True},
    ]
    page = client.get(response["Location"]).content.decode()
    assert "http://testserver/forms/kontakt/" in page and "http://testserver/forms/kontakt/embed/" in page
    assert AuditEntry.objects.get().action == "webform.created"


def test_removing_and_reordering_rows(admin) -> None:
    client = signed_in(admin)
    client.post("/agent/settings/web-forms/new/", form())
    webform = WebForm.objects.get()

    response = client.post(
        f"/agent/settings/web-forms/{webform.pk}/",
        form(**{"fields-1-DELETE": "on", "fields-2-ORDER": "0"}),
    )

    assert response.status_code == 302, response.content.decode()[-3000:]
    webform.refresh_from_db()
    assert [f["name"] for f in webform.fields] == ["message", "email"]


def test_a_form_without_an_email_field_or_a_list_without_choices_is_refused(admin) -> None:
    client = signed_in(admin)

    no_email = client.post("/agent/settings/web-forms/new/", form(**{"fields-0-name": "mail"}))
    no_choices = client.post("/agent/settings/web-forms/new/", form(**{"fields-1-choices": ""}))

    assert no_email.status_code == 200 and no_choices.status_code == 200
    assert not WebForm.objects.exists()


def test_the_preview_shows_unsaved_fields(admin) -> None:
    client = signed_in(admin)

    response = client.get("/agent/settings/web-forms/new/preview/", form(**{"fields-1-label": "Anliegen"}))  # type: ignore[arg-type]

    html = response.content.decode()
    assert "Anliegen" in html and "Schreiben Sie uns" in html
    assert response["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize("role", [Role.AGENT, Role.LEAD, Role.VIEWER])
def test_only_admins_open_or_change_web_forms(role) -> None:
    webform = WebForm.objects.create(name="Kontakt", slug="kontakt", title="T")
    client = signed_in(AgentFactory.create(role=role))

    assert client.get("/agent/settings/web-forms/").status_code == 403
    assert client.post(f"/agent/settings/web-forms/{webform.pk}/", form(name="X")).status_code == 403
    assert WebForm.objects.get().name == "Kontakt"
