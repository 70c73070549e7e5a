"""Canned replies in the workspace: the composer's endpoint and Settings → Canned replies."""

from __future__ import annotations

import pytest
from django.urls import reverse

from frontend.tests.settings_helpers import agent as make_agent
from frontend.tests.settings_helpers import client_for
from hub.models import Agent, AuditEntry, CannedReply, CannedScope, Role, Team
from hub.tests.factories import CustomerFactory, TicketFactory

pytestmark = pytest.mark.django_db


def _reply(scope: str = CannedScope.GLOBAL, **values: object) -> CannedReply:
    values.setdefault("title", "Rückerstattung")
    values.setdefault(
        "texts", {"de": "Hallo {{customer.first_name}}, {{shoe.size}}", "en": "Hi {{customer.first_name}}"}
    )
    return CannedReply.objects.create(scope=scope, **values)


@pytest.fixture
def ticket(team: Team) -> object:
    customer = CustomerFactory.create(display_name="Jana {{agent.name}}", language="en")
    return TicketFactory.create(customer=customer, team=team)


# --- The composer's endpoint --------------------------------------------------------------------


def test_the_composer_gets_matching_replies_rendered_for_the_ticket_with_what_is_missing(agent, ticket) -> None:
    reply = _reply(texts={"de": "Hallo {{customer.first_name}}", "en": "Hi {{customer.first_name}}, {{shoe.size}}"})
    response = client_for(agent).get(reverse("agent_canned", args=[ticket.pk]), {"q": "rück"})
    assert response.status_code == 200
    [found] = response.json()["results"]
    assert found["id"] == reply.pk
    assert found["language"] == "en"
    assert found["text"] == "Hi Jana, {{shoe.size}}"
    assert found["unknown"] == ["shoe.size"]


def test_the_composer_never_lists_another_agents_or_another_teams_replies(agent, ticket, other_team) -> None:
    colleague = make_agent(Role.AGENT)
    _reply(CannedScope.PERSONAL, owner=colleague, title="Rück privat")
    _reply(CannedScope.TEAM, team=other_team, title="Rück Billing")
    mine = _reply(CannedScope.PERSONAL, owner=agent, title="Rück meins")
    response = client_for(agent).get(reverse("agent_canned", args=[ticket.pk]), {"q": "rück"})
    assert [r["id"] for r in response.json()["results"]] == [mine.pk]


def test_a_ticket_outside_the_agents_scope_answers_404(agent, other_team) -> None:
    foreign = TicketFactory.create(team=other_team)
    _reply()
    client = client_for(agent)
    assert client.get(reverse("agent_canned", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("agent_canned_used", args=[foreign.pk, CannedReply.objects.get().pk])).status_code == 404


def test_inserting_a_reply_counts_a_use_and_a_foreign_reply_is_not_counted(agent, ticket, other_team) -> None:
    reply = _reply()
    foreign = _reply(CannedScope.TEAM, team=other_team)
    client = client_for(agent)
    assert client.post(reverse("agent_canned_used", args=[ticket.pk, reply.pk])).status_code == 204
    assert client.post(reverse("agent_canned_used", args=[ticket.pk, foreign.pk])).status_code == 404
    reply.refresh_from_db()
    foreign.refresh_from_db()
    assert (reply.usage_count, foreign.usage_count) == (1, 0)


def test_counting_a_use_needs_the_csrf_token(agent, ticket) -> None:
    from django.test import Client

    reply = _reply()
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent.user)
    assert client.post(reverse("agent_canned_used", args=[ticket.pk, reply.pk])).status_code == 403
    reply.refresh_from_db()
    assert reply.usage_count == 0


# --- Settings → Canned replies ------------------------------------------------------------------


def _form(**values: object) -> dict[str, object]:
    data: dict[str, object] = {"title": "Versand", "shortcut": "versand", "scope": "global", "text_de": "Unterwegs"}
    data.update(values)
    return data


def test_an_admin_creates_a_global_reply_and_the_audit_log_has_it() -> None:
    admin = make_agent(Role.ADMIN)
    response = client_for(admin).post(reverse("settings:canned-replies:new"), _form(text_en="On its way"))
    reply = CannedReply.objects.get()
    assert response.status_code == 302
    assert (reply.scope, reply.texts) == ("global", {"de": "Unterwegs", "en": "On its way"})
    assert AuditEntry.objects.filter(action="canned_reply.created", target_id=str(reply.pk)).exists()


def test_the_form_says_what_is_wrong_and_keeps_nothing() -> None:
    admin = make_agent(Role.ADMIN)
    client = client_for(admin)
    no_text = client.post(reverse("settings:canned-replies:new"), _form(text_de=""))
    assert no_text.status_code == 200
    assert "Schreiben Sie den Baustein auf Deutsch oder Englisch" in no_text.content.decode()
    bad_shortcut = client.post(reverse("settings:canned-replies:new"), _form(shortcut="mit Leerzeichen"))
    assert "Ein Kürzel besteht aus Kleinbuchstaben" in bad_shortcut.content.decode()
    no_team = client.post(reverse("settings:canned-replies:new"), _form(scope="team"))
    assert "Wählen Sie das Team, dessen Mitglieder" in no_team.content.decode()
    assert not CannedReply.objects.exists()


def test_an_agent_keeps_personal_replies_and_cannot_make_shared_ones(team: Team) -> None:
    agent = make_agent(Role.AGENT, teams=[team])
    client = client_for(agent)
    page = client.get(reverse("settings:canned-replies:new"))
    assert page.status_code == 200
    assert 'value="global"' not in page.content.decode()
    client.post(reverse("settings:canned-replies:new"), _form(scope="personal"))
    client.post(reverse("settings:canned-replies:new"), _form(scope="global", title="Global"))
    assert list(CannedReply.objects.values_list("title", "scope", "owner")) == [("Versand", "personal", agent.pk)]


def test_the_list_shows_shared_replies_and_only_the_agents_own_personal_ones(team: Team) -> None:
    agent = make_agent(Role.AGENT, teams=[team])
    colleague = make_agent(Role.AGENT, teams=[team])
    _reply(CannedScope.PERSONAL, owner=agent, title="Meine Antwort", usage_count=7)
    _reply(CannedScope.PERSONAL, owner=colleague, title="Fremde Antwort")
    _reply(CannedScope.GLOBAL, title="Für alle")
    page = client_for(agent).get(reverse("settings:canned-replies:index")).content.decode()
    assert "Meine Antwort" in page and "Für alle" in page
    assert "Fremde Antwort" not in page
    admin_page = client_for(make_agent(Role.ADMIN)).get(reverse("settings:canned-replies:index")).content.decode()
    assert "Für alle" in admin_page
    assert "Meine Antwort" not in admin_page and "Fremde Antwort" not in admin_page


def test_an_agent_may_look_at_a_global_reply_but_not_change_or_delete_it(team: Team) -> None:
    agent = make_agent(Role.AGENT, teams=[team])
    reply = _reply(CannedScope.GLOBAL, title="Für alle")
    client = client_for(agent)
    assert client.get(reverse("settings:canned-replies:detail", args=[reply.pk])).status_code == 200
    assert client.post(reverse("settings:canned-replies:detail", args=[reply.pk]), _form()).status_code == 403
    assert client.post(reverse("settings:canned-replies:delete", args=[reply.pk])).status_code == 403
    reply.refresh_from_db()
    assert reply.title == "Für alle"


def test_another_agents_personal_reply_is_not_found_even_by_an_admin() -> None:
    owner = make_agent(Role.AGENT)
    reply = _reply(CannedScope.PERSONAL, owner=owner)
    client = client_for(make_agent(Role.ADMIN))
    assert client.get(reverse("settings:canned-replies:detail", args=[reply.pk])).status_code == 404
    assert client.post(reverse("settings:canned-replies:delete", args=[reply.pk])).status_code == 404


def test_deleting_asks_once_then_deletes() -> None:
    lead = make_agent(Role.LEAD)
    reply = _reply(CannedScope.GLOBAL, title="Alt")
    client = client_for(lead)
    ask = client.get(reverse("settings:canned-replies:delete", args=[reply.pk]))
    assert ask.status_code == 200 and "Alt" in ask.content.decode()
    assert CannedReply.objects.filter(pk=reply.pk).exists()
    assert client.post(reverse("settings:canned-replies:delete", args=[reply.pk])).status_code == 302
    assert not CannedReply.objects.filter(pk=reply.pk).exists()


def test_a_viewer_keeps_no_canned_replies() -> None:
    viewer = make_agent(Role.VIEWER)
    response = client_for(viewer).post(reverse("settings:canned-replies:new"), _form(scope="personal"))
    assert response.status_code == 403
    assert not CannedReply.objects.exists()


def test_a_placeholder_help_lists_the_known_names(admin_agent: Agent) -> None:
    page = client_for(admin_agent).get(reverse("settings:canned-replies:new")).content.decode()
    assert "{{customer.first_name}}" in page and "{{external.&lt;field&gt;}}" in page
