"""Settings → Chat widgets: colours, greetings, sites, the pre-chat builder, snippet and preview."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.test import Client, override_settings

from channels_chat.models import Widget
from channels_chat.tests.conftest import ORIGIN
from hub.models import Agent, AuditEntry, Role
from hub.tests.factories import AgentFactory, TeamFactory

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
        "name": "Shop",
        "enabled": "on",
        "brand_colour": "#aa3300",
        "greeting_de": "Hallo!",
        "greeting_en": "Hello!",
        "allowed_origins": "https://Shop.Example.com/any/page\nhttp://localhost:3000",
        "prechat-TOTAL_FORMS": "2",
        "prechat-INITIAL_FORMS": "0",
        "prechat-0-field": "email",
        "prechat-0-required": "on",
        "prechat-0-ORDER": "2",
        "prechat-1-field": "name",
        "prechat-1-ORDER": "1",
    }
    return data | changes


def test_an_admin_builds_a_widget_with_a_pre_chat_form_and_sites(admin) -> None:
    team = TeamFactory.create(name="Verkauf")

    response = signed_in(admin).post("/agent/settings/chat-widgets/new/", form(team=team.pk))

    widget = Widget.objects.get()
    assert response["Location"] == f"/agent/settings/chat-widgets/{widget.pk}/"
    assert widget.allowed_origins == ["https://shop.example.com", "http://localhost:3000"]
    # In the order of the rows as dragged, not as typed.
    assert widget.prechat_fields == [{"name": "name", "required": False}, {"name": "email", "required": True}]
    assert (widget.brand_colour, widget.team, widget.greeting_en) == ("#aa3300", team, "Hello!")
    assert AuditEntry.objects.get().action == "widget.created"


def test_bad_input_is_shown_at_its_field(admin) -> None:
    client = signed_in(admin)

    bad_origin = client.post("/agent/settings/chat-widgets/new/", form(allowed_origins="shop.example.com"))
    twice = client.post("/agent/settings/chat-widgets/new/", form(**{"prechat-1-field": "email"}))
    colour = client.post("/agent/settings/chat-widgets/new/", form(brand_colour="red"))

    assert "shop.example.com" in bad_origin.content.decode() and bad_origin.status_code == 200
    assert twice.status_code == 200 and colour.status_code == 200
    assert not Widget.objects.exists()


def test_the_snippet_names_the_host_the_hub_is_served_on_unless_site_url_is_set(admin, monkeypatch) -> None:
    widget = Widget.objects.create(name="Shop", allowed_origins=["https://shop.example.com"])
    client = signed_in(admin)
    monkeypatch.delenv("SITE_URL", raising=False)

    with override_settings(ALLOWED_HOSTS=["help.example.com", "testserver"]):
        page = client.get(f"/agent/settings/chat-widgets/{widget.pk}/", HTTP_HOST="help.example.com").content.decode()
    with override_settings(SITE_URL="https://support.example.org", SITE_URL_CONFIGURED=True):
        configured = client.get(f"/agent/settings/chat-widgets/{widget.pk}/").content.decode()

    expected = f"http://help.example.com/static/chatwidget/widget.js&quot; data-widget=&quot;{widget.key}&quot;"
    assert expected in page
    assert "https://support.example.org/static/chatwidget/widget.js" in configured
    assert "127.0.0.1:8000" not in page


def test_the_preview_follows_the_unsaved_values_and_may_be_framed_by_the_hub_only(admin) -> None:
    widget = Widget.objects.create(name="Shop", brand_colour="#111111")
    query = form(brand_colour="#22aa44", greeting_de="Moin!", lang="de")

    response = signed_in(admin).get(f"/agent/settings/chat-widgets/{widget.pk}/preview/", query)  # type: ignore[arg-type]

    html = response.content.decode()
    assert "#22aa44" in html and "Moin!" in html and "E-Mail *" in html
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    widget.refresh_from_db()
    assert widget.brand_colour == "#111111"


@pytest.mark.parametrize("role", [Role.AGENT, Role.LEAD, Role.VIEWER])
def test_only_admins_open_or_change_widgets(role) -> None:
    widget = Widget.objects.create(name="Shop")
    client = signed_in(AgentFactory.create(role=role))

    assert client.get("/agent/settings/chat-widgets/").status_code == 403
    assert client.post(f"/agent/settings/chat-widgets/{widget.pk}/", form(name="X")).status_code == 403
    assert Widget.objects.get().name == "Shop"


def test_an_admin_finds_how_to_sign_visitors_and_can_renew_the_secret_which_ends_the_old_signatures(admin) -> None:
    widget = Widget.objects.create(name="Shop", allowed_origins=[ORIGIN])
    old_secret = widget.secret
    client = signed_in(admin)

    page = client.get(f"/agent/settings/chat-widgets/{widget.pk}/").content.decode()
    assert "data-user-hash=&quot;…&quot;" in page  # the embed line, shown escaped
    assert old_secret not in page  # shown on its own page only
    shown = client.get(f"/agent/settings/chat-widgets/{widget.pk}/secret/")
    assert old_secret in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]

    renewed = client.post(f"/agent/settings/chat-widgets/{widget.pk}/secret/")

    widget.refresh_from_db()
    assert widget.secret != old_secret
    assert widget.secret in renewed.content.decode()
    entry = AuditEntry.objects.get(action="widget.secret_rotated")
    assert old_secret not in str(entry.changes) and widget.secret not in str(entry.changes)
    visitor = Client()
    old = hmac.new(old_secret.encode(), b"4711", hashlib.sha256).hexdigest()
    new = hmac.new(widget.secret.encode(), b"4711", hashlib.sha256).hexdigest()
    assert _start(visitor, widget, {"user_id": "4711", "hash": old})["identity"] is None
    assert _start(visitor, widget, {"user_id": "4711", "hash": new})["identity"] == {"email": "", "user_id": "4711"}


@pytest.mark.parametrize("role", [Role.AGENT, Role.LEAD, Role.VIEWER])
def test_nobody_but_an_admin_sees_or_renews_the_identity_secret(role) -> None:
    widget = Widget.objects.create(name="Shop")
    client = signed_in(AgentFactory.create(role=role))

    shown = client.get(f"/agent/settings/chat-widgets/{widget.pk}/secret/")
    renewed = client.post(f"/agent/settings/chat-widgets/{widget.pk}/secret/")

    assert shown.status_code == renewed.status_code == 403
    assert widget.secret not in shown.content.decode()
    assert Widget.objects.get().secret == widget.secret


def _start(client: Client, widget: Widget, identity: dict[str, str]) -> dict:
    response = client.post(
        f"/chat/api/{widget.key}/start",
        json.dumps({"identity": identity}),
        content_type="application/json",
        headers={"Origin": ORIGIN},
    )
    assert response.status_code == 200, response.content
    return response.json()
