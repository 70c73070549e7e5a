"""The settings area's frame: who may open it, who may change it, and how it looks."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from frontend.tests.settings_helpers import agent, client_for
from hub import settings_area
from hub.models import Account, AuditEntry, Role

pytestmark = pytest.mark.django_db


def test_an_admin_lands_on_the_first_section_and_sees_the_section_column() -> None:
    client = client_for(agent(Role.ADMIN))

    home = client.get("/agent/settings/")
    page = client.get(home["Location"])

    assert home.status_code == 302
    assert home["Location"] == "/agent/settings/account/"
    html = page.content.decode()
    assert 'class="settings-sections"' in html
    assert 'aria-current="page"' in html
    # The workspace's rail with its views is the same on settings pages.
    assert 'id="nav"' in html and "/agent/v/mine/" in html


def test_an_agent_and_a_viewer_get_a_page_saying_only_admins_change_the_hubs_settings() -> None:
    for role in (Role.AGENT, Role.VIEWER):
        client = client_for(agent(role))

        section = client.get("/agent/settings/account/")

        assert section.status_code == 403
        assert "settings-sections" in section.content.decode()
    # A viewer keeps nothing of their own here.
    assert client_for(agent(Role.VIEWER)).get("/agent/settings/").status_code == 403


def test_a_viewer_posting_to_a_settings_screen_changes_nothing() -> None:
    client = client_for(agent(Role.VIEWER))

    response = client.post("/agent/settings/account/", {"name": "Hacked", "language": "de", "time_zone": "UTC"})

    assert response.status_code == 403
    assert Account.current().name == ""
    assert not AuditEntry.objects.exists()


def test_a_lead_sees_only_the_sections_open_to_leads() -> None:
    lead = agent(Role.LEAD)
    client = client_for(lead)

    response = client.get("/agent/settings/account/")

    assert response.status_code == 403
    assert all(s.leads != settings_area.LeadAccess.NONE for s in settings_area.visible_sections(lead))


def test_the_workspace_rail_links_to_the_settings_for_all_who_may_change_things() -> None:
    admin_page = client_for(agent(Role.ADMIN)).get("/agent/v/mine/").content.decode()
    agent_page = client_for(agent(Role.AGENT)).get("/agent/v/mine/").content.decode()
    viewer_page = client_for(agent(Role.VIEWER)).get("/agent/v/mine/").content.decode()

    assert 'href="/agent/settings/"' in admin_page and 'href="/agent/settings/"' in agent_page
    assert 'href="/agent/settings/"' not in viewer_page  # theirs is the two-factor page only


def test_an_agent_finds_their_own_canned_replies_and_macros_in_the_settings() -> None:
    client = client_for(agent(Role.AGENT))

    home = client.get("/agent/settings/")
    page = client.get(home["Location"]).content.decode()

    assert home.status_code == 302 and home["Location"] == "/agent/settings/canned-replies/"
    nav = page[page.index('class="settings-sections"') :]
    assert 'href="/agent/settings/canned-replies/"' in nav and 'href="/agent/settings/macros/"' in nav
    assert 'href="/agent/settings/account/"' not in nav and 'href="/agent/settings/routing/"' not in nav
    assert client.get("/agent/settings/macros/").status_code == 200


def test_anonymous_visitors_are_sent_to_the_login_and_htmx_gets_a_redirect_header() -> None:
    client = Client()

    page = client.get("/agent/settings/account/")
    fragment = client.get("/agent/settings/account/", headers={"HX-Request": "true"})

    assert page.status_code == 302 and page["Location"].startswith("/login/")
    assert fragment.status_code == 204 and fragment["HX-Redirect"] == "/login/"


def test_a_login_without_a_profile_is_told_whom_to_ask_instead_of_a_bare_403() -> None:
    user = get_user_model().objects.create_user("orphan", password="x" * 12)
    client = Client()
    client.force_login(user)

    for url in ("/agent/v/mine/", "/agent/settings/account/"):
        response = client.get(url)
        assert response.status_code == 403
        assert "Ask an administrator" in response.content.decode() or "Administrator" in response.content.decode()


def test_saving_the_account_says_what_changed_and_writes_the_audit_log() -> None:
    admin = agent(Role.ADMIN)
    client = client_for(admin)

    response = client.post(
        "/agent/settings/account/",
        {"name": "Muster GmbH", "language": "en", "time_zone": "Europe/Vienna"},
        follow=True,
    )

    account = Account.current()
    assert (account.name, account.language, account.time_zone) == ("Muster GmbH", "en", "Europe/Vienna")
    html = response.content.decode()
    assert "Muster GmbH" in html and "Europe/Berlin → Europe/Vienna" in html and "Deutsch → English" in html
    entry = AuditEntry.objects.get()
    assert entry.actor == admin and entry.action == "account.updated"
    assert entry.changes["time_zone"] == ["Europe/Berlin", "Europe/Vienna"]


def test_an_invalid_account_form_shows_the_error_at_the_field() -> None:
    client = client_for(agent(Role.ADMIN))

    response = client.post("/agent/settings/account/", {"name": "x", "language": "xx", "time_zone": "Mars/Base"})

    assert response.status_code == 200
    assert response.content.decode().count('class="field-error"') == 2
    assert not AuditEntry.objects.exists()


def test_a_superuser_without_a_profile_gets_one_with_the_admin_role_on_first_visit() -> None:
    user = get_user_model().objects.create_superuser("root", "root@example.com", "x" * 12)
    client = Client()
    client.force_login(user)

    response = client.get("/agent/settings/")

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.agent.role == Role.ADMIN
    assert AuditEntry.objects.get().action == "agent.created"
