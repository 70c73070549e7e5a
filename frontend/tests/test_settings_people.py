"""Settings → Agents, Teams and Skills: invitations, profiles, roles, deactivation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from frontend.tests.settings_helpers import agent, client_for
from hub import invitations
from hub.actions.people import PeopleError, do_update_agent
from hub.models import Agent, AuditEntry, EventKind, Invitation, Role, Skill, Team, TicketStatus
from hub.tests.factories import TeamFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> Agent:
    return agent(Role.ADMIN)


def invite(client: Client, capture, **changes: object):
    data = {"email": "Neu@Example.com", "first_name": "Nina", "last_name": "Neu", "role": "agent", "language": "en"}
    with capture(execute=True):
        return client.post("/agent/settings/agents/invite/", data | changes)


def link_in(message: mail.EmailMessage) -> str:
    found = re.search(r"https?://\S+/invite/(\S+)/", str(message.body))
    assert found, message.body
    return found.group(0)


# --- Invitations -------------------------------------------------------------------------------


def test_an_invitation_mails_a_link_with_which_the_invitee_sets_a_password_and_signs_in(
    admin, django_capture_on_commit_callbacks
) -> None:
    team = TeamFactory.create(name="Support")
    response = invite(client_for(admin), django_capture_on_commit_callbacks, teams=[team.pk])

    invited = Agent.objects.get(user__username="neu@example.com")
    assert response.status_code == 302 and response["Location"] == f"/agent/settings/agents/{invited.pk}/"
    assert not invited.user.is_active and not invited.user.has_usable_password()
    assert list(invited.teams.all()) == [team]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["neu@example.com"]
    # The invitee's language, and the link on the host the admin used (SITE_URL unset).
    assert "Choose your password" in mail.outbox[0].body
    link = link_in(mail.outbox[0])
    assert link.startswith("http://testserver/invite/")

    visitor = Client()
    path = link.removeprefix("http://testserver")
    assert visitor.get(path).status_code == 200
    done = visitor.post(path, {"password1": "eine-gute-lange-phrase", "password2": "eine-gute-lange-phrase"})

    assert done.status_code == 302 and done["Location"] == "/"
    invited.user.refresh_from_db()
    assert invited.user.is_active and invited.user.check_password("eine-gute-lange-phrase")
    assert visitor.get("/agent/v/mine/").status_code == 200
    # Spent: the same link no longer works.
    assert Client().get(path).status_code == 410
    assert [e.action for e in AuditEntry.objects.order_by("pk")] == ["agent.invited", "agent.joined"]


def test_resending_makes_the_old_link_invalid_and_revoking_removes_the_unused_login(
    admin, django_capture_on_commit_callbacks
) -> None:
    client = client_for(admin)
    invite(client, django_capture_on_commit_callbacks)
    invited = Agent.objects.get(user__username="neu@example.com")
    first = link_in(mail.outbox[0]).removeprefix("http://testserver")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/agent/settings/agents/{invited.pk}/invitation/resend/")
    second = link_in(mail.outbox[1]).removeprefix("http://testserver")

    assert Client().get(first).status_code == 410
    assert Client().get(second).status_code == 200

    assert client.get(f"/agent/settings/agents/{invited.pk}/invitation/revoke/").status_code == 200
    client.post(f"/agent/settings/agents/{invited.pk}/invitation/revoke/")

    assert not Agent.objects.filter(pk=invited.pk).exists()
    assert Client().get(second).status_code == 410
    assert AuditEntry.objects.filter(action="agent.invitation_revoked", target_label="neu@example.com").exists()


def test_an_expired_or_forged_link_says_to_ask_for_a_new_one(admin, django_capture_on_commit_callbacks) -> None:
    invite(client_for(admin), django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    expired = Client().get(f"/invite/{invitations.token_for(invitation)}/")
    forged = Client().get("/invite/not-a-real-token/")

    assert expired.status_code == 410 and forged.status_code == 410
    assert "Einladung erneut zu senden" in expired.content.decode()


def test_inviting_an_address_that_has_a_login_is_refused(admin, django_capture_on_commit_callbacks) -> None:
    response = invite(client_for(admin), django_capture_on_commit_callbacks, email=admin.user.email)

    assert response.status_code == 200
    assert "bereits einen Zugang" in response.content.decode()
    assert not mail.outbox


# --- Profiles ----------------------------------------------------------------------------------


def test_an_admin_edits_roles_teams_skills_languages_and_capacity_and_sees_what_changed(admin) -> None:
    team = TeamFactory.create(name="Retouren")
    Skill.objects.create(name="Rechnungen")
    someone = agent(Role.AGENT)
    form = {
        "first_name": "Tom",
        "last_name": "Tester",
        "email": "tom@example.com",
        "role": "lead",
        "teams": [team.pk],
        "language": "de",
        "skills": ["Rechnungen"],
        "languages": ["de", "fr"],
        "capacity_chat": "4",
    }

    response = client_for(admin).post(f"/agent/settings/agents/{someone.pk}/", form, follow=True)

    someone.refresh_from_db()
    assert someone.role == Role.LEAD and someone.skills == ["Rechnungen"] and someone.languages == ["de", "fr"]
    assert someone.capacity == {"chat": 4} and list(someone.teams.all()) == [team]
    html = response.content.decode()
    assert "Agent → Teamleitung" in html and "Kapazität: Chat: — → 4" in html
    role_change = AuditEntry.objects.get(action="agent.role_changed")
    assert role_change.actor == admin and role_change.changes == {"role": ["agent", "lead"]}


def test_the_last_admin_cannot_demote_or_deactivate_themselves(admin) -> None:
    client = client_for(admin)
    form = {"first_name": "A", "email": admin.user.email, "role": "agent", "language": ""}

    response = client.post(f"/agent/settings/agents/{admin.pk}/", form)
    client.post(f"/agent/settings/agents/{admin.pk}/deactivate/")

    admin.refresh_from_db()
    assert response.status_code == 200 and "mindestens einen aktiven Administrator" in response.content.decode()
    assert admin.role == Role.ADMIN and admin.deactivated_at is None


def test_a_lead_edits_only_skills_languages_and_capacity_of_their_teams_agents() -> None:
    team = TeamFactory.create()
    lead = agent(Role.LEAD, teams=[team])
    member = agent(Role.AGENT, teams=[team])
    stranger = agent(Role.AGENT)
    client = client_for(lead)

    page = client.get(f"/agent/settings/agents/{member.pk}/").content.decode()
    client.post(f"/agent/settings/agents/{member.pk}/", {"languages": ["en"], "role": "admin", "capacity_chat": "2"})

    member.refresh_from_db()
    assert 'name="role"' not in page and 'name="languages"' in page
    assert member.role == Role.AGENT and member.languages == ["en"] and member.capacity == {"chat": 2}
    assert client.get(f"/agent/settings/agents/{stranger.pk}/").status_code == 404
    assert client.get("/agent/settings/agents/invite/").status_code == 403
    assert client.post(f"/agent/settings/agents/{member.pk}/deactivate/").status_code == 403


def test_a_lead_sees_an_administrator_in_their_team_but_cannot_change_their_profile() -> None:
    team = TeamFactory.create()
    lead = agent(Role.LEAD, teams=[team])
    boss = agent(Role.ADMIN, teams=[team])
    client = client_for(lead)

    page = client.get(f"/agent/settings/agents/{boss.pk}/").content.decode()
    refused = client.post(f"/agent/settings/agents/{boss.pk}/", {"skills": [], "capacity_chat": "0"})

    boss.refresh_from_db()
    assert '<fieldset class="settings-card" disabled>' in page and "btn-primary" not in page
    assert refused.status_code == 403 and "Nur Administratoren ändern das Profil" in refused.content.decode()
    assert boss.capacity != {"chat": 0}
    with pytest.raises(PeopleError):
        do_update_agent(lead, boss, capacity={"chat": 0})


def test_the_agent_list_filters_by_search_status_and_role(admin) -> None:
    # Names no generated name has: the page also names the admin who is signed in.
    agent(Role.VIEWER, user__first_name="Veronika-Vulpes", user__last_name="Viewer")
    gone = agent(Role.AGENT, user__first_name="Quirinius")
    gone.deactivated_at = timezone.now()
    gone.save()
    client = client_for(admin)

    viewers = client.get("/agent/settings/agents/", {"role": "viewer"}).content.decode()
    searched = client.get("/agent/settings/agents/", {"q": "vulpes"}).content.decode()
    deactivated = client.get("/agent/settings/agents/", {"status": "deactivated"}).content.decode()

    assert "Veronika-Vulpes" in viewers and "Quirinius" not in viewers
    assert "Veronika-Vulpes" in searched
    assert "Quirinius" in deactivated and "Veronika-Vulpes" not in deactivated


# --- Deactivation ------------------------------------------------------------------------------


def test_deactivating_asks_once_then_returns_open_tickets_to_the_team_queue_and_keeps_history(admin) -> None:
    team = TeamFactory.create()
    leaving = agent(Role.AGENT, teams=[team])
    open_ticket = TicketFactory.create(team=team, assignee=leaving, status=TicketStatus.OPEN)
    solved = TicketFactory.create(team=team, assignee=leaving, status=TicketStatus.SOLVED)
    client = client_for(admin)
    leaving_client = client_for(leaving)

    question = client.get(f"/agent/settings/agents/{leaving.pk}/deactivate/").content.decode()
    client.post(f"/agent/settings/agents/{leaving.pk}/deactivate/")

    assert "1 offenes Ticket" in question
    open_ticket.refresh_from_db()
    solved.refresh_from_db()
    leaving.refresh_from_db()
    assert open_ticket.assignee_id is None and open_ticket.team == team
    assert solved.assignee == leaving  # history stays
    assert open_ticket.events.filter(kind=EventKind.ASSIGNED, actor=admin).exists()
    assert leaving.deactivated_at is not None and not leaving.user.is_active
    # Signed out at once.
    assert leaving_client.get("/agent/v/mine/").status_code == 302
    assert AuditEntry.objects.get(action="agent.deactivated").changes == {"tickets_returned": 1}

    client.post(f"/agent/settings/agents/{leaving.pk}/reactivate/")
    leaving.refresh_from_db()
    assert leaving.deactivated_at is None and leaving.user.is_active


# --- Teams and skills --------------------------------------------------------------------------


def test_an_admin_creates_renames_and_deletes_a_team_being_told_about_its_tickets(admin) -> None:
    member = agent(Role.AGENT)
    client = client_for(admin)

    client.post("/agent/settings/teams/new/", {"name": "Vertrieb", "members": [member.pk]})
    team = Team.objects.get(name="Vertrieb")
    client.post(f"/agent/settings/teams/{team.pk}/", {"name": "Verkauf", "members": []})
    TicketFactory.create(team=team, status=TicketStatus.OPEN)
    question = client.get(f"/agent/settings/teams/{team.pk}/delete/").content.decode()
    client.post(f"/agent/settings/teams/{team.pk}/delete/")

    assert team.slug == "vertrieb"
    assert "1 offenes Ticket" in question
    assert not Team.objects.filter(pk=team.pk).exists()
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["team.created", "team.updated", "team.deleted"]
    assert AuditEntry.objects.get(action="team.updated").changes == {
        "name": ["Vertrieb", "Verkauf"],
        "members": [[member.name], []],
    }


def test_a_lead_sees_their_teams_but_cannot_change_them() -> None:
    team, other = TeamFactory.create(), TeamFactory.create()
    lead = agent(Role.LEAD, teams=[team])
    client = client_for(lead)

    listing = client.get("/agent/settings/teams/").content.decode()
    response = client.post(f"/agent/settings/teams/{team.pk}/", {"name": "Neu"})

    assert team.name in listing and other.name not in listing
    assert response.status_code == 403
    assert client.get(f"/agent/settings/teams/{other.pk}/").status_code == 404


def test_skills_are_a_list_and_removing_one_takes_it_off_every_agent(admin) -> None:
    client = client_for(admin)
    client.post("/agent/settings/skills/", {"name": "Französisch-Support"})
    skill = Skill.objects.get()
    holder = agent(Role.AGENT)
    holder.skills = [skill.name, "other"]
    holder.save()

    client.post(f"/agent/settings/skills/{skill.pk}/remove/")

    holder.refresh_from_db()
    assert holder.skills == ["other"] and not Skill.objects.exists()
    assert client.post("/agent/settings/skills/", {"name": ""}).status_code == 200


@pytest.mark.parametrize("role", [Role.AGENT, Role.VIEWER])
def test_agents_and_viewers_change_nothing_in_people_settings(role) -> None:
    someone = agent(Role.AGENT)
    team = TeamFactory.create()
    client = client_for(agent(role))

    posts = [
        client.post("/agent/settings/agents/invite/", {"email": "x@example.com", "first_name": "X", "role": "admin"}),
        client.post(f"/agent/settings/agents/{someone.pk}/", {"role": "admin"}),
        client.post(f"/agent/settings/agents/{someone.pk}/deactivate/"),
        client.post("/agent/settings/teams/new/", {"name": "X"}),
        client.post(f"/agent/settings/teams/{team.pk}/delete/"),
        client.post("/agent/settings/skills/", {"name": "X"}),
    ]

    assert [p.status_code for p in posts] == [403] * 6
    someone.refresh_from_db()
    assert someone.role == Role.AGENT and someone.deactivated_at is None
    assert Team.objects.count() == 1 and not Skill.objects.exists() and not AuditEntry.objects.exists()
