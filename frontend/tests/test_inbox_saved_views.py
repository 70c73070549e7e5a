"""Saving the inbox's filters and order as a view, and the view in the navigation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hub.actions.saved_views import do_save_view
from hub.models import Agent, Role, SavedView, Team, TicketStatus
from hub.tests.factories import AgentFactory, TicketFactory

pytestmark = pytest.mark.django_db


def test_saving_the_filtered_list_makes_a_view_that_opens_with_the_same_filters_and_order(
    agent: Agent, team: Team, client_for
) -> None:
    now = timezone.now()
    TicketFactory.create(team=team, subject="Alter Chat", origin_channel="chat", created_at=now - timedelta(days=1))
    TicketFactory.create(team=team, subject="Neuer Chat", origin_channel="chat", created_at=now)
    TicketFactory.create(team=team, subject="Eine Mail", origin_channel="email")
    client = client_for(agent)

    response = client.post(
        "/agent/views/save/", {"name": "Chats", "base": "teams", "query": "channel=chat&sort=created"}
    )
    saved = SavedView.objects.get()
    html = client.get(response["Location"]).content.decode()

    assert response["Location"] == f"/agent/v/s{saved.pk}/"
    assert "Eine Mail" not in html
    assert html.index("Neuer Chat") < html.index("Alter Chat")
    assert f'data-view="s{saved.pk}"' in html
    assert f'<span class="count" id="count-s{saved.pk}" aria-label="2 offen">2</span>' in html


def test_a_saved_view_shows_each_agent_only_the_tickets_in_their_own_scope(
    team: Team, other_team: Team, client_for
) -> None:
    lead = AgentFactory.create(role=Role.LEAD)
    member = AgentFactory.create(teams=[team])
    saved = do_save_view(lead, "Alle Chats", "all", "channel=chat", team)
    TicketFactory.create(team=team, subject="Support-Chat", origin_channel="chat")
    TicketFactory.create(team=other_team, subject="Billing-Chat", origin_channel="chat")

    for_member = client_for(member).get(f"/agent/v/s{saved.pk}/").content.decode()
    for_lead = client_for(lead).get(f"/agent/v/s{saved.pk}/").content.decode()

    assert "Support-Chat" in for_member and "Billing-Chat" not in for_member
    assert "Support-Chat" in for_lead and "Billing-Chat" in for_lead


def test_another_agents_personal_view_is_not_found(agent: Agent, team: Team, client_for) -> None:
    colleague = AgentFactory.create(teams=[team])
    saved = do_save_view(colleague, "Privat", "mine", "")

    assert client_for(agent).get(f"/agent/v/s{saved.pk}/").status_code == 404


def test_changing_a_saved_views_filters_shows_the_changed_list_without_saving_it(
    agent: Agent, team: Team, client_for
) -> None:
    saved = do_save_view(agent, "Chats", "teams", "channel=chat")
    TicketFactory.create(team=team, subject="Eine Mail", origin_channel="email")

    changed = client_for(agent).get(f"/agent/v/s{saved.pk}/?f=1&channel=email").content.decode()
    cleared = client_for(agent).get(f"/agent/v/s{saved.pk}/?f=1").content.decode()
    again = client_for(agent).get(f"/agent/v/s{saved.pk}/").content.decode()

    assert "Eine Mail" in changed and "Eine Mail" in cleared and "Eine Mail" not in again


def test_an_agent_deletes_their_view_and_it_leaves_the_navigation(agent: Agent, team: Team, client_for) -> None:
    saved = do_save_view(agent, "Weg damit", "teams", "")
    client = client_for(agent)

    response = client.post(f"/agent/views/{saved.pk}/delete/")

    assert response.status_code == 302
    assert "Weg damit" not in client.get("/agent/v/teams/").content.decode()


def test_only_admins_and_leads_are_offered_to_share_a_view(agent: Agent, team: Team, client_for) -> None:
    lead = AgentFactory.create(role=Role.LEAD)

    assert 'name="team" data-save="team"' not in client_for(agent).get("/agent/v/teams/").content.decode()
    assert 'name="team" data-save="team"' in client_for(lead).get("/agent/v/all/").content.decode()
    assert (
        client_for(agent)
        .post("/agent/views/save/", {"name": "x", "base": "teams", "query": "", "team": team.pk})
        .status_code
        == 403
    )


def test_the_navigation_caps_a_saved_views_count_and_costs_constant_queries(
    agent: Agent, team: Team, client_for, django_assert_max_num_queries, monkeypatch
) -> None:
    from frontend import inbox

    monkeypatch.setattr(inbox, "COUNT_CAP", 5)
    TicketFactory.create_batch(8, team=team, status=TicketStatus.OPEN, priority=1)
    client = client_for(agent)

    def queries(views: int) -> int:
        for i in range(views):
            do_save_view(agent, f"Ansicht {i}", "teams", f"status=open&priority={1 + i % 4}")
        client.get("/agent/v/mine/")  # the saved views' counts are cached for a few seconds
        with CaptureQueriesContext(connection) as captured:
            client.get("/agent/v/mine/")
        return len(captured)

    one = queries(1)
    assert queries(5) == one
    with django_assert_max_num_queries(16):
        html = client.get("/agent/v/mine/").content.decode()

    assert ">4+</span>" in html


def test_a_lead_renames_and_deletes_a_shared_view_in_the_settings(team: Team, client_for) -> None:
    lead = AgentFactory.create(role=Role.LEAD)
    saved = do_save_view(lead, "Dringend", "all", "priority=4", team)
    personal = do_save_view(lead, "Nur meins", "mine", "")
    client = client_for(lead)

    page = client.get("/agent/settings/shared-views/").content.decode()
    client.post(f"/agent/settings/shared-views/{saved.pk}/rename/", {"name": "Sehr dringend"})
    renamed = SavedView.objects.get(pk=saved.pk).name
    client.post(f"/agent/settings/shared-views/{saved.pk}/delete/")

    assert "Dringend" in page and "Support" in page and "priority=4" in page
    assert f'<tr data-view="s{saved.pk}">' in page and f'<tr data-view="s{personal.pk}">' not in page
    assert renamed == "Sehr dringend"
    assert not SavedView.objects.filter(team__isnull=False).exists()


def test_an_agent_cannot_open_the_shared_views_settings(agent: Agent, team: Team, client_for) -> None:
    lead = AgentFactory.create(role=Role.LEAD)
    saved = do_save_view(lead, "Dringend", "all", "priority=4", team)
    client = client_for(agent)

    client.post(f"/agent/settings/shared-views/{saved.pk}/delete/")

    assert f'<tr data-view="s{saved.pk}">' not in client.get("/agent/settings/shared-views/").content.decode()
    assert SavedView.objects.filter(pk=saved.pk).exists()
