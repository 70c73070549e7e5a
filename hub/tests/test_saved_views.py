"""Saved inbox views: who may save, share and delete them (``hub.actions.saved_views``)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from hub.actions.saved_views import do_delete_view, do_save_view, saved_views_for
from hub.models import Agent, AuditEntry, Role, SavedView, Team
from hub.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


def test_an_agent_saves_a_personal_view_that_only_they_see(agent: Agent, team: Team) -> None:
    colleague = AgentFactory.create(teams=[team])

    saved = do_save_view(agent, "  Meine   Chats ", "teams", "channel=chat&sort=created")

    assert saved.name == "Meine Chats" and saved.team is None
    assert list(saved_views_for(agent)) == [saved]
    assert list(saved_views_for(colleague)) == []


def test_a_lead_shares_a_view_with_a_team_whose_members_see_it_and_it_is_audited(team: Team, other_team: Team) -> None:
    lead = AgentFactory.create(role=Role.LEAD)
    member = AgentFactory.create(teams=[team])
    outsider = AgentFactory.create(teams=[other_team])

    saved = do_save_view(lead, "Dringend im Support", "all", "priority=4", team)

    assert list(saved_views_for(member)) == [saved]
    assert list(saved_views_for(outsider)) == []
    assert AuditEntry.objects.filter(action="saved_view.shared").count() == 1


def test_an_agent_may_not_share_a_view_nor_delete_a_shared_one(agent: Agent, team: Team) -> None:
    lead = AgentFactory.create(role=Role.LEAD)
    shared = do_save_view(lead, "Team-Ansicht", "all", "", team)

    with pytest.raises(PermissionDenied):
        do_save_view(agent, "Geteilt", "teams", "", team)
    with pytest.raises(PermissionDenied):
        do_delete_view(agent, shared)

    do_delete_view(lead, shared)
    assert not SavedView.objects.exists()


def test_a_viewer_saves_nothing(team: Team) -> None:
    viewer = AgentFactory.create(teams=[team], role=Role.VIEWER)

    with pytest.raises(PermissionDenied):
        do_save_view(viewer, "Nur lesen", "teams", "")


def test_nobody_deletes_another_agents_personal_view(agent: Agent, team: Team) -> None:
    mine = do_save_view(agent, "Meins", "mine", "")
    admin = AgentFactory.create(role=Role.ADMIN)

    with pytest.raises(PermissionDenied):
        do_delete_view(admin, mine)
